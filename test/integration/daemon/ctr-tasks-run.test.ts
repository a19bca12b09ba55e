// `ctr run --rm` against runtsd, through the runts shim and through containerd's own runc shim:
// output, exit status, events, and nothing left behind afterwards.
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';
import { RUNTS_BIN } from '../shim/private-containerd';
import { watchCtrEvents } from '../../helpers/ctr-events';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd task tests skipped: ${skip}`);

describeIfPossible.each([
  ['io.containerd.runts.v2'],
  ['io.containerd.runc.v2'],
])('ctr run --rm against runtsd with runtime %s', (runtime) => {
  jest.setTimeout(30000);
  let env: TaskEnv;
  const run = (id: string, ...command: string[]) => env.ctr(['run', '--rm', '--runtime', runtime, IMAGE, id, ...command]);

  beforeAll(async () => {
    env = await startTaskEnv(`run-${runtime.split('.')[2]}`);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('prints the output of echo hi and leaves no shim, mount, bundle, cgroup or socket', async () => {
    const result = run('echo1', 'echo', 'hi');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hi\n');
    expect(result.status).toBe(0);
    await waitFor(() => env.leftovers('echo1').length === 0, `no leftovers (${env.leftovers('echo1').join(', ')})`);
    expect(env.ctr(['containers', 'ls', '-q']).stdout).toBe('');
    expect(env.ctr(['tasks', 'ls', '-q']).stdout).toBe('');
  });

  it('passes the exit status and both output streams through', () => {
    const result = run('exit3', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.status).toBe(3);
  });

  it('reports a command that cannot start as a failed create, leaving nothing behind', async () => {
    const result = run('broken', '/no/such/binary');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/no\/such\/binary/);
    await waitFor(() => env.leftovers('broken').length === 0, `no leftovers (${env.leftovers('broken').join(', ')})`);
  });

  it('publishes the shim task events to ctr events subscribers in order', async () => {
    const events = await watchCtrEvents(env.daemon.socket);
    try {
      expect(run('evented', 'sh', '-c', 'exit 5').status).toBe(5);
      await waitFor(() => events.text().includes('/tasks/delete'), '/tasks/delete event');
    } finally {
      events.stop();
    }
    const topics = events.taskTopics(env.namespace);
    expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(events.text()).toMatch(/\/tasks\/exit \{"container_id":"evented","id":"evented","pid":\d+,"exit_status":5/);
  });
});

describeIfPossible('runtimes: options from the container record reach the shim; a missing shim is named', () => {
  jest.setTimeout(30000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv('options');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('says which shim binary a runtime needs when it is not installed', () => {
    const result = env.ctr(['run', '--rm', '--runtime', 'io.containerd.nosuch.v1', IMAGE, 'noshim', 'true']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/runtime "io.containerd.nosuch.v1" binary not installed "containerd-shim-nosuch-v1"/);
    expect(env.leftovers('noshim')).toEqual([]);
  });

  it('runs the runc shim with the OCI runtime ctr --runc-binary names', () => {
    const missing = env.ctr(['run', '--rm', '--runtime', 'io.containerd.runc.v2', '--runc-binary', '/no/such/runtime', IMAGE, 'opt1', 'true']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/\/no\/such\/runtime/);
    const viaRunts = env.ctr(['run', '--rm', '--runtime', 'io.containerd.runc.v2', '--runc-binary', RUNTS_BIN, IMAGE, 'opt2', 'echo', 'hi']);
    expect(viaRunts.stderr).toBe('');
    expect(viaRunts.stdout).toBe('hi\n');
  });
});
