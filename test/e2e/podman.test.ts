// Debian's podman (with conmon) drives runts as its OCI runtime, privately: its own storage,
// run root and cgroup parent under this test's temp dir / name.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, RUNTS } from '../helpers/bundle';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-podman-'));
const cgroupParent = `/runts-test-podman-${process.pid}`;
const podman = ['--root', `${dir}/storage`, '--runroot', `${dir}/run`, '--runtime', RUNTS, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
// No CAP_SYS_RESOURCE here: podman's default rlimits could not be set (with runc either).
const runFlags = ['--network', 'none', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--cgroup-parent', cgroupParent];

const pod = (args: string[]) => spawnSync('podman', [...podman, ...args], { encoding: 'utf8', timeout: 60000 });

beforeAll(() => {
  execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [`${dir}/rootfs`]);
  execFileSync('tar', ['-C', `${dir}/rootfs`, '-cf', `${dir}/rootfs.tar`, '.']);
  const imported = pod(['import', `${dir}/rootfs.tar`, 'runts-busybox']);
  if (imported.status !== 0) throw new Error(`podman import: ${imported.stderr}`);
});

afterAll(() => {
  pod(['rm', '--all', '--force']);
  pod(['system', 'reset', '--force']);
  removeCgroupTree(cgroupParent);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('podman run --rm prints the output and returns the exit status', () => {
  const r = pod(['run', '--rm', ...runFlags, 'runts-busybox', 'sh', '-c', 'echo hello from podman; exit 3']);
  expect(r.stdout).toBe('hello from podman\n');
  expect(r.status).toBe(3);
});

test('podman maps runts errors to 127 (not found) and 126 (permission denied)', () => {
  const missing = pod(['run', '--rm', ...runFlags, 'runts-busybox', 'no-such-command']);
  expect(missing.status).toBe(127);
  expect(missing.stderr).toContain('executable file not found in $PATH');
  expect(pod(['run', '--rm', ...runFlags, 'runts-busybox', '/etc/passwd']).status).toBe(126);
});

test('podman run -d, exec, top, pause/unpause, stop and rm', () => {
  const started = pod(['run', '-d', '--name', 'runts-e2e', ...runFlags, 'runts-busybox', 'sleep', '60']);
  expect(started.status).toBe(0);
  try {
    expect(pod(['exec', 'runts-e2e', 'sh', '-c', 'echo exec $(id -u)']).stdout).toBe('exec 0\n');
    expect(pod(['top', 'runts-e2e']).stdout).toContain('sleep 60');
    expect(pod(['pause', 'runts-e2e']).status).toBe(0);
    expect(pod(['inspect', '--format', '{{.State.Status}}', 'runts-e2e']).stdout.trim()).toBe('paused');
    expect(pod(['unpause', 'runts-e2e']).status).toBe(0);
    expect(pod(['inspect', '--format', '{{.State.Status}}', 'runts-e2e']).stdout.trim()).toBe('running');
    expect(pod(['stop', '-t', '1', 'runts-e2e']).status).toBe(0);
  } finally {
    expect(pod(['rm', '--force', 'runts-e2e']).status).toBe(0);
  }
});

test('podman -m enforces the memory limit through runts (OOM kill: 137)', () => {
  expect(pod(['run', '--rm', '-m', '32m', ...runFlags, 'runts-busybox', 'sh', '-c', 'tail /dev/zero']).status).toBe(137);
});
