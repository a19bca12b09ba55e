// `runtsd publish`, the -publish-binary runtsd gives shims: an event (a protobuf Any on stdin)
// reaches `ctr events` subscribers; bad input is one clear error.
import { spawnSync } from 'child_process';
import { Daemon, RUNTSD, startDaemon } from './harness';
import { eventType } from '../../../src/foundation/protos/shim';
import { marshalAny } from '../../../src/daemon/shims/shim-command';
import { watchCtrEvents } from '../../helpers/ctr-events';

describe('runtsd publish', () => {
  jest.setTimeout(20000);
  let daemon: Daemon;

  beforeAll(async () => {
    daemon = await startDaemon('publish');
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  const publish = (args: string[], input: Buffer) =>
    spawnSync(process.execPath, [RUNTSD, '--address', daemon.socket, 'publish', ...args], { input, encoding: 'utf8' });

  it('forwards the event on stdin to subscribers', async () => {
    const events = await watchCtrEvents(daemon.socket);
    try {
      const oom = marshalAny({ typeUrl: 'containerd.events.TaskOOM', value: eventType('TaskOOM').encode({ containerId: 'c1' }) });
      const result = publish(['--topic', '/tasks/oom', '--namespace', 'pub-ns'], oom);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const deadline = Date.now() + 5000;
      while (!events.text().includes('/tasks/oom') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      events.stop();
    }
    expect(events.text()).toMatch(/ pub-ns \/tasks\/oom \{"container_id":"c1"\}/);
  });

  it('refuses stdin that holds no event, and a missing topic', () => {
    const empty = publish(['--topic', '/tasks/oom', '--namespace', 'pub-ns'], Buffer.alloc(0));
    expect(empty.status).toBe(1);
    expect(empty.stderr).toBe('runtsd: event on stdin has no type url\n');
    const noTopic = publish(['--namespace', 'pub-ns'], Buffer.alloc(0));
    expect(noTopic.status).toBe(1);
    expect(noTopic.stderr).toBe('runtsd: publish needs --topic\n');
  });
});
