// Standby shims (addon/launcher/standby.cc, src/shim/standby.ts) under the real containerd: a
// start of a burst is served by a standby that was waiting before it, intact, and only by one of
// its own context, and not one whose command line the start's args do not fit; none when
// RUNTS_STANDBY=0; a stale standby socket falls back to a Node start; a standby ends after its
// lifetime and removes its socket, and markers of contexts past it are swept.
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NAMESPACE_GROUP, shimSocketAddress } from '../../../src/shim/address';
import { endStandbys, IMAGE, missingPrerequisite, PrivateContainerd, SHIM_BIN, shutDownShims, standbyMarkers, standbyPidsFor } from './private-containerd';

const RUNTIME = ['--runtime', 'io.containerd.runts.v2'];
const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;

async function waitFor(check: () => boolean, what: string, ms = 10000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** A private containerd whose shims see env (RUNTS_STANDBY*), set while it starts. */
async function containerdWith(env: Record<string, string>): Promise<PrivateContainerd> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const containerd = new PrivateContainerd('');
  try {
    await containerd.start();
    containerd.importBusybox();
    return containerd;
  } catch (err) {
    await containerd.stop();
    throw err;
  } finally {
    process.env = saved;
  }
}

describeIfPossible('standby shims', () => {
  jest.setTimeout(60000);
  let containerd: PrivateContainerd | undefined;

  afterEach(async () => {
    await containerd?.stop();
    containerd = undefined;
  });

  const run = (args: string[], input?: string) => containerd!.ctr(['run', ...RUNTIME, ...args], input);
  /** Two starts in a row: the second leaves a standby waiting; its pid. */
  const standbyAfterABurst = async (): Promise<number> => {
    expect(run(['--rm', IMAGE, 'burst1', 'true']).status).toBe(0);
    expect(run(['--rm', IMAGE, 'burst2', 'true']).status).toBe(0);
    await waitFor(() => containerd!.standbyPids().length === 1, 'a standby');
    return containerd!.standbyPids()[0];
  };

  it('serves a later start with a standby that waited before it, with its stdout, exit status and runtime options', async () => {
    containerd = await containerdWith({});
    const standby = await standbyAfterABurst();
    expect(containerd.shimPids()).not.toContain(standby); // waiting, it is no shim of this containerd
    expect(run(['-d', IMAGE, 'served', 'sleep', '60']).status).toBe(0);
    expect(containerd.shimPids()).toEqual([standby]);
    const cmdline = fs.readFileSync(`/proc/${standby}/cmdline`, 'utf8').split('\0');
    expect(cmdline.slice(cmdline.indexOf('-id'), cmdline.indexOf('-id') + 3)).toEqual(['-id', 'served', 'start']);
    expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'served']).status).toBe(0);
    await waitFor(() => containerd!.ctr(['tasks', 'delete', 'served']).status === 0, 'the task to be deleted');
    containerd.ctr(['containers', 'delete', 'served']);

    await waitFor(() => containerd!.standbyPids().length === 1, 'the next standby');
    const next = containerd.standbyPids()[0];
    const exited = run(['--rm', IMAGE, 'exit3', 'sh', '-c', 'echo out; exit 3']);
    expect({ status: exited.status, stdout: exited.stdout }).toEqual({ status: 3, stdout: 'out\n' });
    await waitFor(() => !fs.existsSync(`/proc/${next}`), 'its shim to end with the container'); // it was the shim

    // runtime options come on stdin: a namespace-wide shim
    await waitFor(() => containerd!.standbyPids().length === 1, 'the next standby');
    const third = containerd.standbyPids()[0];
    const config = path.join(containerd.dir, 'shim.toml');
    fs.writeFileSync(config, 'shim_group = "namespace"\n');
    expect(run(['-d', '--runtime-config-path', config, IMAGE, 'grouped', 'sleep', '60']).status).toBe(0);
    expect(containerd.shimPids()).toEqual([third]);
    expect(containerd.shimSockets()).toEqual([shimSocketAddress(containerd.socket, containerd.namespace, NAMESPACE_GROUP).replace('unix://', '')]);
    containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'grouped']);
    await waitFor(() => containerd!.ctr(['tasks', 'delete', 'grouped']).status === 0, 'the task to be deleted');
  });

  /** Shim starts as containerd makes them (cwd the bundle, options on stdin), for a made-up
   *  containerd address; end() shuts the shims down and ends the standbys. */
  const directStarts = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-standby-'));
    const address = path.join(dir, 'containerd.sock');
    const shims: string[] = [];
    const start = (id: string, env: Record<string, string>) => {
      const bundle = path.join(dir, id.slice(0, 32));
      fs.mkdirSync(bundle);
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2' }));
      const r = spawnSync(SHIM_BIN, ['-namespace', 'runts-standby', '-address', address, '-publish-binary', '/usr/bin/containerd', '-id', id, 'start'], {
        cwd: bundle,
        encoding: 'utf8',
        input: '',
        timeout: 15000,
        env: { ...process.env, RUNTS_SHIM_ROOT: path.join(dir, 'root'), ...env },
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      shims.push(r.stdout);
    };
    const end = async () => {
      await shutDownShims(shims);
      await endStandbys(address);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    return { address, start, end };
  };

  it('hands a start only to a standby of its own context (here: the environment)', async () => {
    const { address, start, end } = directStarts();
    try {
      start('a1', { CONTEXT: 'a' });
      start('a2', { CONTEXT: 'a' });
      await waitFor(() => standbyPidsFor(address).length === 1, 'a standby');
      const [standby] = standbyPidsFor(address);
      start('b1', { CONTEXT: 'b' });
      expect(standbyPidsFor(address)).toContain(standby); // still waiting
      start('a3', { CONTEXT: 'a' });
      expect(fs.readFileSync(`/proc/${standby}/cmdline`, 'utf8').split('\0')).toContain('a3');
    } finally {
      await end();
    }
  });

  it("refuses a start whose args do not fit its command line, which a shim started for it then serves", async () => {
    const { address, start, end } = directStarts();
    try {
      start('a1', {});
      start('a2', {});
      await waitFor(() => standbyPidsFor(address).length === 1, 'a standby');
      const [standby] = standbyPidsFor(address);
      // its room: a2's args and 256 bytes (addon/launcher/standby.cc)
      const long = `long-${'x'.repeat(400)}`;
      start(long, {});
      await waitFor(() => !fs.existsSync(`/proc/${standby}`), 'the standby to exit');
      const servedBy = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(long);
        } catch {
          return false; // exited meanwhile
        }
      });
      expect(servedBy).toHaveLength(1);
      expect(Number(servedBy[0])).not.toBe(standby);
    } finally {
      await end();
    }
  });

  it('starts no standby when RUNTS_STANDBY=0', async () => {
    containerd = await containerdWith({ RUNTS_STANDBY: '0' });
    for (const id of ['off1', 'off2', 'off3']) expect(run(['--rm', IMAGE, id, 'true']).status).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(containerd.standbyPids()).toEqual([]);
    expect(standbyMarkers(containerd.socket)).toEqual([]);
  });

  it('falls back to a Node start when the standby socket has no listener, and starts a new standby', async () => {
    containerd = await containerdWith({});
    const standby = await standbyAfterABurst();
    const [marker] = standbyMarkers(containerd.socket);
    process.kill(standby, 'SIGKILL');
    await waitFor(() => !fs.existsSync(`/proc/${standby}`), 'the standby to die');
    expect(fs.existsSync(marker.replace(/\.called$/, ''))).toBe(true); // stale: nobody listens
    const r = run(['--rm', IMAGE, 'fallback', 'echo', 'hi']);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'hi\n', stderr: '' });
    await waitFor(() => containerd!.standbyPids().length === 1, 'a new standby');
    expect(containerd.standbyPids()).not.toContain(standby);
  });

  it('ends a standby after its lifetime (RUNTS_STANDBY_SECONDS) and removes its socket; older markers go', async () => {
    containerd = await containerdWith({ RUNTS_STANDBY_SECONDS: '3' });
    // another context's, its last start 2 minutes ago: swept by the first start of a new context
    const stale = `/run/containerd/s/runts-standby-${createHash('sha256').update(containerd.dir).digest('hex')}.called`;
    fs.writeFileSync(stale, containerd.dir);
    fs.utimesSync(stale, new Date(Date.now() - 120000), new Date(Date.now() - 120000));
    const standby = await standbyAfterABurst();
    expect(fs.existsSync(stale)).toBe(false);
    const socket = standbyMarkers(containerd.socket)[0].replace(/\.called$/, '');
    expect(fs.existsSync(socket)).toBe(true);
    await waitFor(() => !fs.existsSync(`/proc/${standby}`), 'the standby to end', 10000);
    expect(fs.existsSync(socket)).toBe(false);
  });
});
