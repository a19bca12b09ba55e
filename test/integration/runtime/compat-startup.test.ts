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
function runToEnd(name: string, edit: (c: any) => void, prepare?: (rootfs: string) => void) {
  const { id, b } = bundle(name, edit);
  prepare?.(b.rootfs);
  return runts.run(['run', '--bundle', b.dir, id], { timeout: 30000 });
}

/** A static C program, built once per test process. */
function helper(name: string, source: string): string {
  const bin = path.join(helpers, name);
  if (!fs.existsSync(bin)) {
    fs.writeFileSync(`${bin}.c`, source);
    execFileSync('gcc', ['-static', '-O2', '-o', bin, `${bin}.c`]);
  }
  return bin;
}

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

  test('the stub is not added when the default allows', () => {
    const nr = helper('syscall-nr', SYSCALL_NR);
    const r = runToEnd('cb-enosys-allow', (c) => {
      c.process.args = ['/syscall-nr', '1000'];
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    }, (rootfs) => fs.copyFileSync(nr, path.join(rootfs, 'syscall-nr')));
    expect(r).toEqual({ status: 0, stdout: '1000=ENOSYS\n', stderr: '' });
  });
});
