// The cgroup v2 device filter (eBPF, BPF_CGROUP_DEVICE) loaded for real into the unified
// hierarchy of this host, with a real process in the cgroup trying to open devices.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { compileDeviceRules } from '../../../src/cgroups';
import { attachDeviceProgram } from '../../../src/native';

const dir = `/sys/fs/cgroup/unified/runts-test-bpf-${process.pid}`;

beforeAll(() => fs.mkdirSync(dir));
afterAll(() => fs.rmdirSync(dir));

/** A shell that joins the cgroup, then tries each device; prints ok/denied per device. */
function probe(): string {
  // No redirection to /dev/null here: opening it is one of the things being denied.
  const script = `echo $$ > ${dir}/cgroup.procs && for d in null zero; do (echo x > /dev/$d) && echo $d-write-ok || echo $d-write-denied; done; [ "$(head -c1 /dev/zero | wc -c)" = 1 ] && echo zero-read-ok || echo zero-read-denied`;
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return r.stdout.trim().replace(/\n/g, ' ');
}

test('a deny rule for /dev/null (c 1:3) is enforced by the kernel; other devices still work', () => {
  const program = compileDeviceRules([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rw' }]);
  expect(attachDeviceProgram(dir, program.defaultAllow, program.rules)).toBeGreaterThan(7);
  expect(probe()).toBe('null-write-denied zero-write-ok zero-read-ok');
});

test('attaching a new program replaces the previous one (the last one decides, not both)', () => {
  const allowAll = compileDeviceRules([{ allow: true, access: 'rwm' }]);
  attachDeviceProgram(dir, allowAll.defaultAllow, allowAll.rules);
  expect(probe()).toBe('null-write-ok zero-write-ok zero-read-ok');
  const onlyNullRead = compileDeviceRules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'r' }]);
  attachDeviceProgram(dir, onlyNullRead.defaultAllow, onlyNullRead.rules);
  expect(probe()).toBe('null-write-denied zero-write-denied zero-read-denied');
});

test('a missing cgroup is one clear error', () => {
  expect(() => attachDeviceProgram(`${dir}-missing`, true, [])).toThrow(/open cgroup .*-missing: No such file or directory/);
});
