import { parseProcCgroup, readProcCgroup } from '../../../src/foundation/proc-cgroup';

test('parses /proc/<pid>/cgroup, co-mounted and named hierarchies included', () => {
  const own = parseProcCgroup('9:name=systemd:/user.slice\n2:cpu,cpuacct:/a\n4:memory:/process_api/x\n0::/init.scope\n');
  expect(Object.fromEntries(own)).toEqual({
    'name=systemd': '/user.slice', cpu: '/a', cpuacct: '/a', memory: '/process_api/x', '': '/init.scope',
  });
});

test('a path may hold ":"; a line that is no hierarchy is skipped', () => {
  const own = parseProcCgroup('3:pids:/a:b\nnot a line\n\n');
  expect([...own]).toEqual([['pids', '/a:b']]);
});

test("this process's cgroups and /proc/self's are the same", () => {
  expect(readProcCgroup(process.pid)).toEqual(readProcCgroup('self'));
  expect(readProcCgroup('self').size).toBeGreaterThan(0);
});
