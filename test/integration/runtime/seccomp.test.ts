// linux.seccomp compiled by libseccomp and loaded by runts-init before exec.
import * as fs from 'fs';
import * as path from 'path';
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

describe('compiled filters kept in /run/runts-cache/seccomp', () => {
  const CACHE = '/run/runts-cache/seccomp';
  const planted: string[] = [];
  afterAll(() => planted.forEach((f) => fs.rmSync(f, { force: true })));

  /** A profile no earlier run compiled (an unknown name is skipped by the compiler), denying mkdir with errno. */
  const denyingMkdir = (errno: number) => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: errno },
      { names: [uniqueId('no_such_syscall').replace(/-/g, '_')], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  const entries = () => new Set(fs.existsSync(CACHE) ? fs.readdirSync(CACHE) : []);
  /** Runs mkdir under profile; its stderr's reason, and the cache entry the run added, if any. */
  const mkdirUnder = (profile: object) => {
    const before = entries();
    const r = run('mkdir /tmp/x', profile);
    const added = [...entries()].filter((n) => !before.has(n)).map((n) => path.join(CACHE, n));
    planted.push(...added);
    return { reason: r.stderr.replace(/^.*: /s, '').trim(), added };
  };

  test('a later create loads the kept filter: one planted under a profile\'s entry is the one applied', () => {
    const eacces = denyingMkdir(13);
    const first = mkdirUnder(eacces);
    expect(first).toEqual({ reason: 'Permission denied', added: [expect.stringMatching(/\.bpf$/)] });
    const eperm = mkdirUnder(denyingMkdir(1));
    expect(eperm.reason).toBe('Operation not permitted');
    // the EPERM profile's filter, kept under the EACCES profile's name, decides the next run
    fs.copyFileSync(eperm.added[0], first.added[0]);
    expect(mkdirUnder(eacces)).toEqual({ reason: 'Operation not permitted', added: [] });
  });

  test('a damaged entry is compiled again and replaced', () => {
    const profile = denyingMkdir(13);
    const first = mkdirUnder(profile);
    const kept = fs.readFileSync(first.added[0]);
    fs.writeFileSync(first.added[0], 'short'); // not a whole number of BPF instructions
    expect(mkdirUnder(profile)).toEqual({ reason: 'Permission denied', added: [] });
    expect(fs.readFileSync(first.added[0])).toEqual(kept);
  });
});
