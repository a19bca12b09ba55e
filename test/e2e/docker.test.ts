// Debian's Docker Engine (dockerd 20.10 with its own private containerd and runc shim) runs
// containers with runts registered through --add-runtime; every scenario also runs with runc.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, RUNTS } from '../helpers/bundle';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';
import { unmountUnder } from '../helpers/mounts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-docker-'));
const sock = path.join(dir, 'docker.sock');
const ns = `runts-test-${process.pid}`;
const cgroupParent = `/runts-test-docker-${process.pid}`;
let dockerd: ChildProcess;

const docker = (args: string[]) =>
  spawnSync('docker', ['-H', `unix://${sock}`, ...args], { encoding: 'utf8', timeout: 60000 });

beforeAll(async () => {
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'w');
  dockerd = spawn('dockerd', [
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/dockerd.pid`, '-H', `unix://${sock}`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--containerd-namespace', ns,
    '--containerd-plugins-namespace', `${ns}-plugins`, '--add-runtime', `runts=${RUNTS}`, '--cgroup-parent', cgroupParent,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const deadline = Date.now() + 30000;
  while (docker(['version']).status !== 0) {
    if (Date.now() > deadline) throw new Error(`dockerd did not come up: ${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [`${dir}/rootfs`]);
  execFileSync('tar', ['-C', `${dir}/rootfs`, '-cf', `${dir}/rootfs.tar`, '.']);
  // A locally built image, saved and loaded back: `docker load` is how images usually arrive.
  expect(docker(['import', `${dir}/rootfs.tar`, 'runts-busybox']).status).toBe(0);
  expect(docker(['save', '-o', `${dir}/image.tar`, 'runts-busybox']).status).toBe(0);
  expect(docker(['rmi', 'runts-busybox']).status).toBe(0);
  expect(docker(['load', '-i', `${dir}/image.tar`]).status).toBe(0);
}, 60000);

afterAll(async () => {
  for (const rt of ['runts', 'runc']) docker(['rm', '--force', `runts-e2e-${rt}`]);
  if (dockerd.exitCode === null) {
    const exited = new Promise((r) => dockerd.once('exit', r));
    dockerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
  }
  unmountUnder(dir);
  removeCgroupTree(cgroupParent);
  fs.rmSync(dir, { recursive: true, force: true });
}, 30000);

describe.each(['runts', 'runc'])('docker --runtime %s', (runtime) => {
  const run = (args: string[]) => docker(['run', '--rm', '--runtime', runtime, '--network', 'none', ...args]);

  test('output and exit status', () => {
    const r = run(['runts-busybox', 'sh', '-c', 'echo hello from docker; exit 4']);
    expect(r.stdout).toBe('hello from docker\n');
    expect(r.status).toBe(4);
  });

  test('-m 32m is enforced: the container is OOM-killed (137)', () => {
    expect(run(['-m', '32m', 'runts-busybox', 'tail', '/dev/zero']).status).toBe(137);
  });

  test('run -d, exec, pause/unpause, stop (SIGTERM, then SIGKILL), rm', () => {
    const name = `runts-e2e-${runtime}`;
    expect(docker(['run', '-d', '--name', name, '--runtime', runtime, '--network', 'none', 'runts-busybox', 'sleep', '60']).status).toBe(0);
    expect(docker(['exec', name, 'sh', '-c', 'echo exec ok']).stdout).toBe('exec ok\n');
    expect(docker(['pause', name]).status).toBe(0);
    expect(docker(['inspect', '-f', '{{.State.Status}}', name]).stdout.trim()).toBe('paused');
    expect(docker(['unpause', name]).status).toBe(0);
    // sleep as pid 1 ignores SIGTERM: docker stop falls back to SIGKILL after the timeout.
    expect(docker(['stop', '-t', '1', name]).status).toBe(0);
    expect(docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]).stdout.trim()).toBe('exited 137');
    expect(docker(['rm', name]).status).toBe(0);
  });
});
