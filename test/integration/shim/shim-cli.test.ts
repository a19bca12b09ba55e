// containerd-shim-runts-v2 start/delete invoked exactly as containerd invokes them.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TtrpcClient } from '../../../src/foundation/ttrpc/client';
import { recordDeleted } from '../../../src/shim/delete-response';
import { TASK_SERVICE, taskType } from '../../../src/foundation/protos/shim';
import { shimSocketAddress } from '../../../src/shim/address';
import { socketPathOf } from '../../../src/foundation/ttrpc/socket-path';
import { endStandbys, missingPrerequisite, SHIM_BIN, shutDownShims } from './private-containerd';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;

describeIfPossible('containerd-shim-runts-v2 start and delete', () => {
  let dir: string;
  const namespace = `runts-cli-${process.pid}`;
  const shimPids = new Set<number>();
  const sockets = new Set<string>();

  const shim = (bundle: string, id: string, action: string, extra: string[] = [], input = Buffer.alloc(0)) =>
    spawnSync(
      SHIM_BIN,
      ['-namespace', namespace, '-address', path.join(dir, 'containerd.sock'), '-publish-binary', '/usr/bin/containerd', '-id', id, ...extra, action],
      { cwd: bundle, encoding: 'buffer', input, timeout: 15000, env: { ...process.env, RUNTS_SHIM_ROOT: path.join(dir, 'root') } },
    );
  const bundle = (name: string, annotations: Record<string, string> = {}) => {
    const b = path.join(dir, name);
    fs.mkdirSync(path.join(b, 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', annotations }));
    return b;
  };
  const connect = async (address: string) => {
    const client = await TtrpcClient.connect(address);
    try {
      const reply = await client.call(TASK_SERVICE, 'Connect', taskType('ConnectRequest').encode({ id: 'x' }));
      return taskType('ConnectResponse').decode(reply);
    } finally {
      client.close();
    }
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-shim-cli-'));
  });

  afterEach(async () => {
    // starts in a row leave a standby shim (and its marker) behind
    await endStandbys(path.join(dir, 'containerd.sock'));
    await shutDownShims(sockets);
    for (const pid of shimPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited after Shutdown
      }
    }
    shimPids.clear();
    sockets.clear();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('start prints only the socket address, writes it to the bundle and leaves a detached shim', async () => {
    const b1 = bundle('b1');
    const started = shim(b1, 'c1', 'start');
    const address = started.stdout.toString();
    expect(started.stderr.toString()).toBe('');
    expect(started.status).toBe(0);
    expect(address).toMatch(/^unix:\/\/\/run\/containerd\/s\/[0-9a-f]{64}$/);
    sockets.add(address);
    expect(fs.readFileSync(path.join(b1, 'address'), 'utf8')).toBe(address);

    const connected = await connect(address);
    shimPids.add(connected.shimPid);
    expect(connected.version).toMatch(/runts/);
    // its own session (setsid): session id field of /proc/PID/stat equals its pid
    const stat = fs.readFileSync(`/proc/${connected.shimPid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3])).toBe(connected.shimPid);
    // the start that became the shim let go of the pipes start reported on
    for (const fd of [0, 1, 2]) expect(fs.readlinkSync(`/proc/${connected.shimPid}/fd/${fd}`)).toBe('/dev/null');
    expect(fs.readFileSync(`/proc/${connected.shimPid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([expect.stringMatching(/containerd-shim-runts-v2$/), 'start']));
  });

  it('a failing start says why in one line, exits 1 and leaves no shim', () => {
    const b1 = bundle('b1');
    const failed = shim(b1, 'c1', 'start', [], Buffer.from('not runtime options'));
    expect(failed.status).toBe(1);
    expect(failed.stdout.toString()).toBe('');
    expect(failed.stderr.toString()).toMatch(/^containerd-shim-runts-v2: runtime options on stdin: [^\n]+\n$/);
    expect(fs.existsSync(path.join(b1, 'address'))).toBe(false);
    expect(fs.existsSync(socketPathOf(shimSocketAddress(path.join(dir, 'containerd.sock'), namespace, 'c1')))).toBe(false);
  });

  it('start reuses the running shim of the same sandbox group', async () => {
    const first = shim(bundle('b1', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c1', 'start').stdout.toString();
    sockets.add(first);
    const second = shim(bundle('b2', { 'io.kubernetes.cri.sandbox-id': 'pod1' }), 'c2', 'start').stdout.toString();
    const other = shim(bundle('b3'), 'c3', 'start').stdout.toString();
    sockets.add(other);
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    const [a, b] = [await connect(first), await connect(other)];
    shimPids.add(a.shimPid).add(b.shimPid);
    expect(a.shimPid).not.toBe(b.shimPid);
  });

  it('delete prints a DeleteResponse quickly when nothing is left', () => {
    const b1 = bundle('b1');
    const began = Date.now();
    const deleted = shim(b1, 'gone', 'delete', ['-bundle', b1]);
    const tookMs = Date.now() - began;
    expect(deleted.status).toBe(0);
    expect(deleted.stderr.toString()).toBe('');
    const response = taskType('DeleteResponse').decode(deleted.stdout);
    expect(response.exitStatus).toBe(137);
    expect(Math.abs(response.exitedAt.seconds * 1000 - Date.now())).toBeLessThan(5000);
    expect(tookMs).toBeLessThan(2000);
  });

  it('delete answers with the response the shim recorded when it deleted the container itself', () => {
    const b1 = bundle('b1');
    const exitedAt = new Date(Date.now() - 60_000);
    recordDeleted(b1, 4242, 3, exitedAt);
    const deleted = shim(b1, 'done', 'delete', ['-bundle', b1]);
    expect(deleted.status).toBe(0);
    expect(deleted.stderr.toString()).toBe('');
    const response = taskType('DeleteResponse').decode(deleted.stdout);
    expect(response).toMatchObject({ pid: 4242, exitStatus: 3 });
    expect(response.exitedAt.seconds).toBe(Math.floor(exitedAt.getTime() / 1000));
  });

  it('says what is wrong with a bad invocation, in one line', () => {
    const bad = shim(bundle('b1'), 'c1', 'frobnicate');
    expect(bad.status).toBe(1);
    expect(bad.stderr.toString()).toBe('containerd-shim-runts-v2: unknown action frobnicate (want start or delete)\n');
  });
});
