// linux.seccomp compiled by libseccomp and loaded by runts-init before exec.
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

const run = (script: string, seccomp: object, nnp = true) => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.process.noNewPrivileges = nnp;
    c.process.args = ['sh', '-c', script];
    c.linux.seccomp = seccomp;
  });
  return runts.run(['run', '--bundle', b.dir, uniqueId('seccomp')]);
};

test('a denied syscall fails with the errno asked for; others still work', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['no_such_syscall_name'], action: 'SCMP_ACT_ERRNO' },
    ],
  };
  for (const nnp of [true, false]) {
    const r = run('grep ^Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?; touch /tmp/y && echo touched', profile, nnp);
    expect(r.stdout).toBe('Seccomp:\t2\nmkdir=1\ntouched\n');
    expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Permission denied/);
  }
});

test('argument conditions select which calls are denied', () => {
  // Only umask(077) is fatal; umask(022) passes the same filter.
  const profile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['umask'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 0o77, op: 'SCMP_CMP_EQ' }] }],
  };
  expect(run('umask 022; echo ok', profile).stdout).toBe('ok\n');
  const killed = run('umask 077; echo not-reached', profile);
  expect(killed.stdout).toBe('');
  expect(killed.status).toBe(128 + 31);
});

test('an unknown action is one clear error at create', () => {
  const r = run('true', { defaultAction: 'SCMP_ACT_BOGUS' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/seccomp.*(SCMP_ACT_BOGUS|defaultAction)/);
});
