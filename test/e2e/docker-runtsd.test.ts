// Debian's Docker Engine (dockerd 20.10) with runtsd as its containerd (`--containerd <socket>`):
// containerd's runc shim runs runc, and runts registered with --add-runtime. dockerd 20.10 always
// asks for the io.containerd.runc.v2 shim (choosing a shim came with Docker 23's runtimeType),
// so containerd-shim-runts-v2 cannot be reached from it.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, RUNTS } from '../helpers/bundle';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';
import { unmountUnder } from '../helpers/mounts';
import { Daemon, startDaemon } from '../integration/daemon/harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-docker-runtsd-'));
const sock = path.join(dir, 'docker.sock');
// A namespace runtsd has never seen: dockerd reads its labels while dialling.
const ns = `runts-test-dockerd-${process.pid}`;
const cgroupParent = `/runts-test-docker-runtsd-${process.pid}`;
const RUNTIMES = ['runc', 'runts'];
const IMAGE = 'runts-busybox';
let runtsd: Daemon;
let dockerd: ChildProcess;

const docker = (args: string[]) =>
  spawnSync('docker', ['-H', `unix://${sock}`, ...args], { encoding: 'utf8', timeout: 60000 });
const dockerOk = (args: string[]) => {
  const r = docker(args);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
};
const dockerdLog = () => fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-3000);

beforeAll(async () => {
  runtsd = await startDaemon('dockerd');
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'w');
  dockerd = spawn('dockerd', [
    '--containerd', runtsd.socket, '--containerd-namespace', ns, '--containerd-plugins-namespace', `${ns}-plugins`,
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/dockerd.pid`, '-H', `unix://${sock}`,
    '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge=none',
    '--add-runtime', `runts=${RUNTS}`, '--cgroup-parent', cgroupParent,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const deadline = Date.now() + 30000;
  while (docker(['version']).status !== 0) {
    if (dockerd.exitCode !== null || Date.now() > deadline) throw new Error(`dockerd did not come up over runtsd:\n${dockerdLog()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [`${dir}/rootfs`]);
  execFileSync('tar', ['-C', `${dir}/rootfs`, '-cf', `${dir}/rootfs.tar`, '.']);
  dockerOk(['import', `${dir}/rootfs.tar`, IMAGE]);
}, 60000);

afterAll(async () => {
  const ids = docker(['ps', '-aq']).stdout?.trim();
  if (ids) docker(['rm', '--force', ...ids.split('\n')]);
  if (dockerd?.exitCode === null) {
    const exited = new Promise((r) => dockerd.once('exit', r));
    dockerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15000).unref())]);
  }
  await runtsd?.stop();
  unmountUnder(dir);
  removeCgroupTree(cgroupParent);
  fs.rmSync(dir, { recursive: true, force: true });
}, 60000);

test('dockerd dialled a namespace runtsd had never seen, and its containers land in it', () => {
  dockerOk(['run', '--rm', '--network', 'none', IMAGE, 'true']);
  expect(runtsd.ctr('namespaces', 'ls', '-q').split('\n')).toContain(ns);
});

describe.each(RUNTIMES)('docker --runtime %s over runtsd', (runtime) => {
  const name = `runts-e2e-runtsd-${runtime}`;

  test('run --rm: output and exit status', () => {
    const r = docker(['run', '--rm', '--runtime', runtime, '--network', 'none', IMAGE, 'sh', '-c', 'echo hello over runtsd; exit 3']);
    expect(r.stdout).toBe('hello over runtsd\n');
    expect(r.status).toBe(3);
  });

  test('run -d, exec, logs, stop (SIGTERM, then SIGKILL), rm', () => {
    dockerOk(['run', '-d', '--name', name, '--runtime', runtime, '--network', 'none', IMAGE, 'sh', '-c', 'echo started; exec sleep 60']);
    expect(dockerOk(['exec', name, 'sh', '-c', 'echo exec ok'])).toBe('exec ok\n');
    expect(docker(['exec', name, 'sh', '-c', 'exit 5']).status).toBe(5);
    expect(dockerOk(['logs', name])).toBe('started\n');
    expect(runtsd.ctr('-n', ns, 'tasks', 'ls')).toMatch(/RUNNING/);
    // sleep as pid 1 ignores SIGTERM: docker stop falls back to SIGKILL after the timeout.
    dockerOk(['stop', '-t', '1', name]);
    expect(dockerOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]).trim()).toBe('exited 137');
    dockerOk(['rm', name]);
  });
});

test('runtsd killed -9 and restarted: dockerd sees its running containers again', async () => {
  for (const runtime of RUNTIMES) {
    dockerOk(['run', '-d', '--name', `survivor-${runtime}`, '--runtime', runtime, '--network', 'none', IMAGE, 'sh', '-c', 'echo before; exec sleep 60']);
  }
  expect(await runtsd.kill('SIGKILL')).toBe(-1);
  await runtsd.restart();
  // dockerd's gRPC channel redials with backoff, as it would a restarted containerd.
  const deadline = Date.now() + 20000;
  while (docker(['top', 'survivor-runc']).status !== 0) {
    if (Date.now() > deadline) throw new Error(`dockerd did not reach the restarted runtsd:\n${dockerdLog()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const runtime of RUNTIMES) {
    const name = `survivor-${runtime}`;
    expect(dockerOk(['inspect', '-f', '{{.State.Status}}', name]).trim()).toBe('running');
    expect(dockerOk(['exec', name, 'sh', '-c', 'echo after > /proc/1/fd/1; echo exec ok'])).toBe('exec ok\n');
    expect(dockerOk(['logs', name])).toBe('before\nafter\n');
    // The exit reaches dockerd through the restarted runtsd's event stream.
    dockerOk(['kill', name]);
    expect(dockerOk(['wait', name]).trim()).toBe('137');
    dockerOk(['rm', name]);
  }
  expect(runtsd.ctr('-n', ns, 'containers', 'ls', '-q').trim()).toBe('');
}, 60000);
