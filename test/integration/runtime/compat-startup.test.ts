// runc's observable start-up behaviour (issue 14, item 9): seccomp, mounts, hooks, and a
// foreground `run` that always returns with the error. Each test also passes against runc:
//   RUNTIME_UNDER_TEST=/usr/sbin/runc npx jest test/integration/runtime/compat-startup.test.ts
// Every bundle names an absolute cgroupsPath: runc would otherwise nest the container under
// its own cgroup, which for this test process is not ours to touch.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { removeCgroupTree } from '../../helpers/cgroup-cleanup';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
const cgroupsToRemove: string[] = [];
const helpers = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-helpers-'));
beforeEach(() => (runts = new Runts()));
afterEach(() => {
  runts.reset();
  cgroupsToRemove.splice(0).forEach(removeCgroupTree);
});
afterAll(() => {
  cleanupBundles();
  fs.rmSync(helpers, { recursive: true, force: true });
});

function bundle(name: string, edit: (c: any) => void) {
  const id = uniqueId(name);
  cgroupsToRemove.push(`/${id}`);
  const b = makeBundle((c) => {
    c.linux.cgroupsPath = `/${id}`;
    edit(c);
  });
  return { id, b };
}

/** Runs a container in the foreground; the bound is the test's, the runtime must return first. */
function runToEnd(name: string, edit: (c: any) => void, prepare?: (rootfs: string) => void, noPivot = false) {
  const { id, b } = bundle(name, edit);
  prepare?.(b.rootfs);
  return runts.run(['run', ...(noPivot ? ['--no-pivot'] : []), '--bundle', b.dir, id], { timeout: 30000 });
}

/** A static program (C, or i386 assembly without libc), built once per test process. */
function helper(name: string, source: string, i386 = false): string {
  const bin = path.join(helpers, name);
  if (!fs.existsSync(bin)) {
    const src = `${bin}.${i386 ? 'S' : 'c'}`;
    fs.writeFileSync(src, source);
    execFileSync('gcc', i386 ? ['-m32', '-nostdlib', '-static', '-o', bin, src] : ['-static', '-O2', '-o', bin, src]);
  }
  return bin;
}

/** i386: calls syscall 1000 and exits with the errno it got. */
const SYSCALL_1000_I386 = `.globl _start
_start:
  mov $1000, %eax
  int $0x80
  neg %eax
  mov %eax, %ebx
  mov $1, %eax
  int $0x80
`;

const SYSCALL_NR = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long r = syscall(atol(argv[i]), 0, 0, 0, 0, 0, 0);
    printf("%s=%s\\n", argv[i], r >= 0 ? "ok" : errno == ENOSYS ? "ENOSYS" : errno == EPERM ? "EPERM" : "other");
  }
  return 0;
}
`;

describe('seccomp', () => {
  // What a static program and both runtimes' last steps before exec need; rseq (334) is the
  // highest number named.
  const ALLOWED = ['execve', 'brk', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'mprotect', 'mmap',
    'munmap', 'readlink', 'readlinkat', 'getrandom', 'write', 'exit_group', 'exit', 'uname', 'newfstatat', 'fstat', 'futex',
    'close', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'getpid', 'gettid', 'tgkill', 'capget', 'capset',
    'prctl', 'openat', 'read', 'fcntl', 'nanosleep', 'sched_yield', 'madvise', 'epoll_pwait', 'getppid', 'setgroups', 'setuid', 'setgid', 'fstatfs', 'statfs', 'getdents64', 'fchdir', 'lseek', 'dup3'];

  test('a syscall numbered above the highest the profile names returns ENOSYS; a lower unnamed one the default errno', () => {
    const nr = helper('syscall-nr', SYSCALL_NR);
    const r = runToEnd('cb-enosys', (c) => {
      c.process.args = ['/syscall-nr', '1000', '435', '300'];
      c.process.noNewPrivileges = true;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ALLOWED, action: 'SCMP_ACT_ALLOW' }] };
    }, (rootfs) => fs.copyFileSync(nr, path.join(rootfs, 'syscall-nr')));
    // 435 is clone3: libc falls back to clone on ENOSYS. 300 (fanotify_init) is below rseq.
    expect(r).toEqual({ status: 0, stdout: '1000=ENOSYS\n435=ENOSYS\n300=EPERM\n', stderr: '' });
  });

  test('the same holds for every arch of the profile: an i386 call of syscall 1000 gets ENOSYS', () => {
    const bin = helper('syscall-1000-i386', SYSCALL_1000_I386, true);
    const r = runToEnd('cb-enosys-i386', (c) => {
      c.process.args = ['/syscall-1000'];
      c.process.noNewPrivileges = true;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [{ names: ALLOWED, action: 'SCMP_ACT_ALLOW' }] };
    }, (rootfs) => fs.copyFileSync(bin, path.join(rootfs, 'syscall-1000')));
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 38, stderr: '' });
  });

  test('the stub is not added when the default allows', () => {
    const nr = helper('syscall-nr', SYSCALL_NR);
    const r = runToEnd('cb-enosys-allow', (c) => {
      c.process.args = ['/syscall-nr', '1000'];
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    }, (rootfs) => fs.copyFileSync(nr, path.join(rootfs, 'syscall-nr')));
    expect(r).toEqual({ status: 0, stdout: '1000=ENOSYS\n', stderr: '' });
  });
});

test('seccomp: SCMP_ACT_NOTIFY on write is refused at create with runc\'s reason, and the run returns', () => {
  // runc 1.1.5 refuses it too: its init writes to the runtime after the filter is loaded, so a
  // notified write would wait on the agent; runts follows runc.
  const r = runToEnd('cb-notify-write', (c) => {
    c.process.args = ['true'];
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/no-such-agent.sock', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] };
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/SCMP_ACT_NOTIFY cannot be used for (the )?write/);
});

const USERNS = (c: any) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
/** The user namespace's root owns the rootfs and can reach it (a temp dir is 0700). */
const ownedByMappedRoot = (rootfs: string) => {
  fs.chmodSync(path.dirname(rootfs), 0o755);
  execFileSync('chown', ['-R', '100000:100000', rootfs]);
};
const mountinfoLine = (dest: string) => `awk '$5=="${dest}" {print $5, $6}' /proc/self/mountinfo | cut -d, -f1`;

describe('mounts', () => {
  test('a read-only /dev: what lies under it is mounted first, /dev is read-only last', () => {
    const r = runToEnd('cb-rodev', (c) => {
      const dev = c.mounts.find((m: any) => m.destination === '/dev');
      dev.options.push('ro');
      c.process.args = ['sh', '-c', `${mountinfoLine('/dev')}; ls /dev/pts/ptmx && echo x > /dev/null && ! touch /dev/x 2>/dev/null && echo ok`];
    });
    expect(r).toEqual({ status: 0, stdout: '/dev ro\n/dev/pts/ptmx\nok\n', stderr: '' });
  });

  test('a tmpfs whose destination is an absolute symlink inside the rootfs lands on the symlink\'s target there', () => {
    const r = runToEnd('cb-tmpfs-symlink', (c) => {
      c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      c.process.args = ['sh', '-c', `${mountinfoLine('/realdata')}; ${mountinfoLine('/data')}`];
    }, (rootfs) => {
      fs.mkdirSync(path.join(rootfs, 'realdata'));
      fs.symlinkSync('/realdata', path.join(rootfs, 'data'));
    });
    expect(r).toEqual({ status: 0, stdout: '/realdata rw\n', stderr: '' });
  });

  test('a read-only /sys/fs/cgroup: no hierarchy is writable', () => {
    const r = runToEnd('cb-rocgroup', (c) => {
      const cg = c.mounts.find((m: any) => m.destination === '/sys/fs/cgroup');
      cg.options.push('ro');
      c.process.args = ['sh', '-c', 'test -d /sys/fs/cgroup/memory && ! mkdir /sys/fs/cgroup/memory/x 2>/dev/null && echo ok'];
    });
    expect(r).toEqual({ status: 0, stdout: 'ok\n', stderr: '' });
  });

  test('in a user namespace: a bind mount before the cgroup mount, and a bind source the container\'s user cannot read', () => {
    const secret = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-secret-'));
    try {
      fs.chmodSync(secret, 0o700);
      fs.writeFileSync(path.join(secret, 'f'), 'hidden\n');
      const r = runToEnd('cb-userns-binds', (c) => {
        USERNS(c);
        const at = c.mounts.findIndex((m: any) => m.destination === '/sys/fs/cgroup');
        c.mounts.splice(at, 0, { destination: '/mnt', type: 'bind', source: '/etc', options: ['rbind', 'ro'] });
        c.mounts.push({ destination: '/secret', type: 'bind', source: secret, options: ['rbind'] });
        c.process.args = ['sh', '-c', 'test -f /mnt/hostname && test -d /sys/fs/cgroup/memory && test -d /secret && ! cat /secret/f 2>/dev/null && echo ok'];
      }, ownedByMappedRoot);
      expect(r).toEqual({ status: 0, stdout: 'ok\n', stderr: '' });
    } finally {
      fs.rmSync(secret, { recursive: true, force: true });
    }
  });

  test('a process.cwd only the runtime can reach: the process starts there, for run and for exec', () => {
    const prep = (rootfs: string) => {
      fs.mkdirSync(path.join(rootfs, 'home/u'), { recursive: true });
      fs.chmodSync(path.join(rootfs, 'home'), 0o700);
    };
    const r = runToEnd('cb-cwd', (c) => {
      c.process.cwd = '/home/u';
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.args = ['pwd'];
    }, prep);
    expect(r).toEqual({ status: 0, stdout: '/home/u\n', stderr: '' });
    const { id, b } = bundle('cb-cwd-exec', (c) => (c.process.args = ['sleep', '60']));
    prep(b.rootfs);
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    expect(runts.run(['exec', '--cwd', '/home/u', '--user', '1000:1000', id, 'pwd'])).toEqual({ status: 0, stdout: '/home/u\n', stderr: '' });
  });
});

test('--no-pivot: the container cannot mount a fresh procfs past the masks', () => {
  // Both runtimes: without CAP_SYS_ADMIN the mount is refused. (Given CAP_SYS_ADMIN, runc 1.1.5
  // and runts both let it mount one, as without --no-pivot.)
  const r = runToEnd('cb-nopivot', (c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'mkdir -p /tmp/p; mount -t proc proc /tmp/p'];
  }, undefined, true);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/mount: permission denied/i);
});

const RECORD_STDIN = `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* record-hook LOG NAME: appends "NAME <cwd> <stdin>" to LOG */
int main(int argc, char **argv) {
  FILE *log = fopen(argv[1], "a");
  if (!log) return 2;
  char cwd[4096];
  fprintf(log, "%s %s ", argv[2], getcwd(cwd, sizeof cwd) ? cwd : "?");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, log);
  fputc('\\n', log);
  return fclose(log) == 0 ? 0 : 3;
}
`;

describe('hooks', () => {
  test('the whole sequence, recorded by a hook binary: order, state on stdin, createContainer in the rootfs', () => {
    const hook = helper('record-hook', RECORD_STDIN);
    const { id, b } = bundle('cb-hookseq', (c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'echo process >> /hooks.log'];
    });
    fs.copyFileSync(hook, path.join(b.rootfs, 'record-hook'));
    const hostLog = path.join(b.dir, 'hooks.log');
    const on = (name: string, where = hostLog, bin = hook) => ({ path: bin, args: ['record-hook', where, name] });
    b.config.hooks = {
      prestart: [on('prestart')],
      createRuntime: [on('createRuntime')],
      createContainer: [on('createContainer')],
      // In the container, after pivot_root: the binary and its log are the rootfs's.
      startContainer: [on('startContainer', '/hooks.log', '/record-hook')],
      poststart: [on('poststart')],
      poststop: [on('poststop')],
    };
    b.save();
    runts.ok(['create', '--bundle', b.dir, id]);
    const { pid } = runts.state(id);
    runts.ok(['start', id]);
    const deadline = Date.now() + 5000;
    while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
    runts.ok(['delete', id]);
    const lines = fs.readFileSync(hostLog, 'utf8').trim().split('\n').map((l) => {
      const [name, cwd, ...state] = l.split(' ');
      return { name, cwd, state: JSON.parse(state.join(' ')) };
    });
    expect(lines.map((l) => l.name)).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
    expect(lines.map((l) => l.name)).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
    for (const l of lines) expect(l.state).toMatchObject({ ociVersion: expect.any(String), id, bundle: b.dir });
    // runc 1.1.5 hands hooks in the container the pid as the container sees it (1) and runs
    // poststart while the state still says "created"; runts gives the host's pid everywhere and
    // "running" to poststart, as the spec's state describes them.
    const otherRuntime = !!process.env.RUNTIME_UNDER_TEST;
    expect(lines.map((l) => l.state.status)).toEqual(['creating', 'creating', 'creating', otherRuntime ? 'created' : 'running', 'stopped']);
    expect(lines.map((l) => l.state.pid).slice(0, 4)).toEqual([pid, pid, otherRuntime ? 1 : pid, pid]);
    expect(lines[2].cwd).toBe(b.rootfs);
    const inside = fs.readFileSync(path.join(b.rootfs, 'hooks.log'), 'utf8').trim().split('\n');
    expect(inside.map((l) => l.split(' ')[0])).toEqual(['startContainer', 'process']);
    expect(JSON.parse(inside[0].split(' ').slice(2).join(' '))).toMatchObject({ id, status: 'created', pid: otherRuntime ? 1 : pid });
  });

  test('a createContainer hook starts in the container\'s rootfs', () => {
    const r = runToEnd('cb-hookcwd', (c) => {
      c.root.readonly = false;
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'touch ./bin/from-hook'] }] };
      c.process.args = ['ls', '/bin/from-hook'];
    });
    expect(r).toEqual({ status: 0, stdout: '/bin/from-hook\n', stderr: '' });
  });

  test('a startContainer hook runs as the process does: its user, under its seccomp filter', () => {
    const r = runToEnd('cb-hooksec', (c) => {
      c.root.readonly = false;
      // EXDEV: only the filter gives that errno to mkdir in a sticky, world-writable /tmp.
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 }] };
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'id -u > /tmp/hook.uid; mkdir /tmp/by-hook 2> /tmp/hook.err; true'] }] };
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.args = ['cat', '/tmp/hook.uid', '/tmp/hook.err'];
    }, (rootfs) => fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^1000\nmkdir: can't create directory '\/tmp\/by-hook': (Invalid cross-device link|Cross-device link)\n$/);
  });
});

describe('a foreground run returns with the error', () => {
  test('a failing createContainer hook', () => {
    const r = runToEnd('cb-fail-create', (c) => {
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 3'] }] };
      c.process.args = ['true'];
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exit status 3/);
    expect(runts.ok(['list', '-q'])).toBe('');
  });

  test('a failing startContainer hook: the container stops and says why on its stderr', () => {
    const r = runToEnd('cb-fail-start', (c) => {
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 4'] }] };
      c.process.args = ['echo', 'not reached'];
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/hook #0.*exit status 4/);
  });
});
