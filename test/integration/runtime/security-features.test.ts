// User namespaces, time namespaces, personality and LSM requests on real containers.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

test('a user namespace maps container root to an unprivileged host id', () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.process.args = ['sh', '-c', 'cat /proc/self/uid_map; id -u; touch /tmp/made-inside; ls -l /dev/null | cut -c1'];
  });
  // The rootfs belongs to the mapped root, as an engine would prepare it.
  execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
  // The mapped root must be able to reach the rootfs (as with runc): mkdtemp made the bundle 0700.
  fs.chmodSync(b.dir, 0o755);
  const r = runts.run(['run', '--bundle', b.dir, uniqueId('userns')]);
  expect(r.stderr).toBe('');
  const [map, uid, devnull] = r.stdout.trim().split('\n');
  expect(map.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
  expect(uid).toBe('0');
  expect(devnull).toBe('c');
  expect(fs.statSync(path.join(b.rootfs, 'tmp', 'made-inside')).uid).toBe(100000);
});

test('a time namespace shifts the boot clock by linux.timeOffsets', () => {
  const b = makeBundle((c) => {
    c.linux.namespaces.push({ type: 'time' });
    c.linux.timeOffsets = { boottime: { secs: 10 * 86400, nanosecs: 0 } };
    c.process.args = ['cut', '-d.', '-f1', '/proc/uptime'];
  });
  const hostUptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split('.')[0]);
  const inside = Number(runts.ok(['run', '--bundle', b.dir, uniqueId('timens')]).trim());
  expect(inside - hostUptime).toBeGreaterThanOrEqual(10 * 86400 - 5);
  expect(inside - hostUptime).toBeLessThanOrEqual(10 * 86400 + 5);
});

test('linux.personality LINUX32 makes uname report a 32-bit machine', () => {
  const b = makeBundle((c) => {
    c.linux.personality = { domain: 'LINUX32' };
    c.process.args = ['uname', '-m'];
  });
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('pers')]).trim()).toBe('i686');
});

test('an AppArmor profile or SELinux label on this host (both LSMs off) is a clear error', () => {
  const aa = makeBundle((c) => (c.process.apparmorProfile = 'docker-default'));
  expect(runts.run(['create', '--bundle', aa.dir, uniqueId('aa')]).stderr).toContain('apparmor profile \\"docker-default\\" requested but AppArmor is not enabled on this host');
  const se = makeBundle((c) => (c.process.selinuxLabel = 'system_u:system_r:container_t:s0'));
  expect(runts.run(['create', '--bundle', se.dir, uniqueId('se')]).stderr).toContain('SELinux is not enabled on this host');
});

test('process.scheduler and process.ioPriority are applied to the container process', () => {
  const b = makeBundle((c) => {
    c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
    c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
    // /proc/self/stat: field 19 is nice, field 41 the policy (3 = SCHED_BATCH).
    c.process.args = ['sh', '-c', 'cut -d" " -f19,41 /proc/self/stat; ionice -p $$'];
  });
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('sched')])).toBe('7 3\nidle\n');
});

test('linux.intelRdt without resctrl on this host is a clear error', () => {
  const b = makeBundle((c) => (c.linux.intelRdt = { closID: 'runts' }));
  expect(runts.run(['create', '--bundle', b.dir, uniqueId('rdt')]).stderr).toContain('Intel RDT is not available on this host');
});

test('without CAP_SYS_ADMIN the container cannot mount, load modules or write /proc/sys', () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'mkdir -p /tmp/m; mount -t tmpfs none /tmp/m 2>/dev/null && echo mounted; mount -t proc proc /tmp/m 2>/dev/null && echo proc-mounted; ' +
      'insmod /nonexistent.ko 2>/dev/null; grep -c . /proc/modules >/dev/null; echo 1 > /proc/sys/kernel/panic 2>/dev/null && echo sysctl-written; echo c > /proc/sysrq-trigger 2>/dev/null && echo sysrq; echo done'];
  });
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('nocaps')])).toBe('done\n');
});
