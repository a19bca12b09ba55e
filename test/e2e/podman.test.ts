// Debian's podman (with conmon) drives runts as its OCI runtime, privately (own storage, run
// root and cgroup parent), and every scenario runs with runc too so the results are compared.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, RUNTS } from '../helpers/bundle';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-podman-'));
const cgroupParent = `/runts-test-podman-${process.pid}`;
const RUNTIMES: Record<string, string> = { runts: RUNTS, runc: execFileSync('which', ['runc'], { encoding: 'utf8' }).trim() };
const global = ['--root', `${dir}/storage`, '--runroot', `${dir}/run`, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
// No CAP_SYS_RESOURCE here: podman's default rlimits could not be set (with runc either).
const runFlags = ['--network', 'none', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--cgroup-parent', cgroupParent];

const podman = (runtime: string, args: string[]) =>
  // conmon writes a file named "oom" into its working directory when the container is OOM-killed.
  spawnSync('podman', ['--runtime', RUNTIMES[runtime], ...global, ...args], { encoding: 'utf8', timeout: 60000, cwd: dir });
const run = (runtime: string, args: string[]) => podman(runtime, ['run', '--rm', ...runFlags, ...args]);

beforeAll(() => {
  execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [`${dir}/rootfs`]);
  execFileSync('tar', ['-C', `${dir}/rootfs`, '-cf', `${dir}/rootfs.tar`, '.']);
  const imported = podman('runts', ['import', `${dir}/rootfs.tar`, 'runts-busybox']);
  if (imported.status !== 0) throw new Error(`podman import: ${imported.stderr}`);
});

afterAll(() => {
  podman('runts', ['rm', '--all', '--force']);
  podman('runts', ['system', 'reset', '--force']);
  // podman's cleanup calls runts from conmon's cgroup (<parent>/conmon): a standby started there
  // (README "Start-up") would keep the parent from being removed
  execFileSync(path.join(REPO, 'scripts', 'end-standbys.sh'));
  removeCgroupTree(cgroupParent);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Each scenario: podman run flags + command, and what both runtimes must produce. */
const scenarios: [string, string[], { status: number; stdout?: string | RegExp }][] = [
  ['echo', ['runts-busybox', 'echo', 'hi'], { status: 0, stdout: 'hi\n' }],
  ['exit code', ['runts-busybox', 'sh', '-c', 'exit 3'], { status: 3 }],
  ['command not found', ['runts-busybox', 'no-such-command'], { status: 127 }],
  ['permission denied', ['runts-busybox', '/etc/passwd'], { status: 126 }],
  ['--memory', ['-m', '32m', 'runts-busybox', 'sh', '-c', 'tail /dev/zero'], { status: 137 }],
  ['--pids-limit', ['--pids-limit', '10', 'runts-busybox', 'cat', '/sys/fs/cgroup/pids/pids.max'], { status: 0, stdout: '10\n' }],
  ['--cap-drop', ['--cap-drop', 'all', 'runts-busybox', 'sh', '-c', 'grep CapEff /proc/self/status; chown 1 /tmp; echo $?'], { status: 0, stdout: 'CapEff:\t0000000000000000\n1\n' }],
  ['--read-only', ['--read-only', 'runts-busybox', 'sh', '-c', 'touch /x 2>/dev/null; echo $?'], { status: 0, stdout: '1\n' }],
  ['--user', ['--user', '1000:1000', 'runts-busybox', 'sh', '-c', 'id -u; id -g'], { status: 0, stdout: '1000\n1000\n' }],
];

describe.each(Object.keys(RUNTIMES))('podman with %s', (runtime) => {
  test.each(scenarios)('%s', (_name, args, want) => {
    const r = run(runtime, args);
    expect({ status: r.status, stdout: want.stdout === undefined ? undefined : r.stdout }).toEqual({ status: want.status, stdout: want.stdout });
  });

  test('run -it goes through a pty', () => {
    const cmd = ['podman', '--runtime', RUNTIMES[runtime], ...global, 'run', '-it', '--rm', ...runFlags, 'runts-busybox', 'sh', '-c', 'tty; echo done'];
    // script's stdin stays open while the container runs (an EOF there would hang up the pty).
    const quoted = cmd.map((a) => `'${a}'`).join(' ');
    const r = spawnSync('sh', ['-c', `sleep 3 | script -qec "${quoted}" /dev/null`], { encoding: 'utf8', timeout: 60000, cwd: dir });
    expect(r.stdout).toMatch(/\/dev\/pts\/0\r?\ndone/);
  });

  test('run -d, exec, pause/unpause, stop and rm', () => {
    const name = `runts-e2e-${runtime}`;
    expect(podman(runtime, ['run', '-d', '--name', name, ...runFlags, 'runts-busybox', 'sleep', '60']).status).toBe(0);
    try {
      expect(podman(runtime, ['exec', name, 'sh', '-c', 'echo exec $(id -u)']).stdout).toBe('exec 0\n');
      expect(podman(runtime, ['top', name]).stdout).toContain('sleep 60');
      expect(podman(runtime, ['pause', name]).status).toBe(0);
      expect(podman(runtime, ['inspect', '--format', '{{.State.Status}}', name]).stdout.trim()).toBe('paused');
      expect(podman(runtime, ['unpause', name]).status).toBe(0);
      expect(podman(runtime, ['stop', '-t', '1', name]).status).toBe(0);
      expect(podman(runtime, ['inspect', '--format', '{{.State.Status}}', name]).stdout.trim()).toBe('exited');
    } finally {
      expect(podman(runtime, ['rm', '--force', name]).status).toBe(0);
    }
  });
});
