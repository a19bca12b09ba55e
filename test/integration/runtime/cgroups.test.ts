// Limits, pause/resume, ps, events and update on real containers (this host: cgroup v1
// controllers plus the cgroup2 hierarchy at /sys/fs/cgroup/unified).
import * as fs from 'fs';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

const v1 = (ctrl: string, id: string, file: string) => fs.readFileSync(`/sys/fs/cgroup/${ctrl}/${id}/${file}`, 'utf8').trim();

function running(resources: object) {
  const b = makeBundle((c) => {
    c.process.args = ['sleep', '60'];
    c.linux.resources = { ...c.linux.resources, ...resources };
  });
  const id = uniqueId('cg');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  return { id, pid: runts.state(id).pid as number };
}

test('limits from config.json reach the kernel; update changes them live', () => {
  const { id, pid } = running({ memory: { limit: 32 * 1024 * 1024 }, pids: { limit: 20 }, cpu: { shares: 512, quota: 50000, period: 100000 } });
  expect(v1('memory', id, 'memory.limit_in_bytes')).toBe(String(32 * 1024 * 1024));
  expect(v1('pids', id, 'pids.max')).toBe('20');
  expect(v1('cpu', id, 'cpu.shares')).toBe('512');
  expect(v1('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
  expect(v1('memory', id, 'cgroup.procs').split('\n')).toContain(String(pid));
  expect(fs.readFileSync(`/sys/fs/cgroup/unified/${id}/cgroup.procs`, 'utf8')).toContain(String(pid));

  runts.ok(['update', '--memory', '64m', '--pids-limit', '30', id]);
  expect(v1('memory', id, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
  expect(v1('pids', id, 'pids.max')).toBe('30');
  runts.ok(['update', '--resources', '-', id], { input: JSON.stringify({ cpu: { quota: 20000 } }) });
  expect(v1('cpu', id, 'cpu.cfs_quota_us')).toBe('20000');
  const bad = runts.run(['update', '--resources', '-', id], { input: JSON.stringify({ pids: { limit: 'many' } }) });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain('resources: /pids/limit: must be an integer');
});

test('an invalid resource value fails create before anything exists', () => {
  const b = makeBundle((c) => (c.linux.resources = { cpu: { quota: 500, period: 100000 } }));
  const id = uniqueId('badres');
  const r = runts.run(['create', '--bundle', b.dir, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/quota/);
  expect(fs.existsSync(`/sys/fs/cgroup/memory/${id}`)).toBe(false);
  expect(runts.ok(['list', '-q'])).toBe('');
});

test('pause freezes, resume thaws; exec into a paused container needs --ignore-paused', () => {
  const { id } = running({});
  runts.ok(['pause', id]);
  expect(runts.state(id).status).toBe('paused');
  expect(v1('freezer', id, 'freezer.state')).toBe('FROZEN');
  expect(runts.run(['exec', id, 'true']).stderr).toContain('cannot exec in a paused container');
  expect(runts.run(['pause', id]).stderr).toContain('container already paused');
  runts.ok(['resume', id]);
  expect(runts.state(id).status).toBe('running');
  expect(runts.run(['resume', id]).stderr).toContain('container not paused');
});

test('ps lists the container processes; events --stats reports cgroup stats', () => {
  const { id, pid } = running({ memory: { limit: 64 * 1024 * 1024 } });
  expect(JSON.parse(runts.ok(['ps', '--format', 'json', id]))).toEqual([pid]);
  const table = runts.ok(['ps', id]);
  expect(table.split('\n')[0]).toMatch(/PID/);
  expect(table).toMatch(new RegExp(`\\b${pid}\\b.*sleep 60`));
  const ev = JSON.parse(runts.ok(['events', '--stats', id]));
  expect(ev).toMatchObject({ type: 'stats', id });
  expect(ev.data.memory.usage.limit).toBe(64 * 1024 * 1024);
  expect(ev.data.pids.current).toBe(1);
});

test('a container over its memory limit is OOM-killed', () => {
  const b = makeBundle((c) => {
    c.process.args = ['sh', '-c', 'tail /dev/zero'];
    c.linux.resources = { ...c.linux.resources, memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
  });
  expect(runts.run(['run', '--bundle', b.dir, uniqueId('oom')]).status).toBe(137);
});

test('runts events streams an oom event when the container hits its memory limit', async () => {
  const b = makeBundle((c) => {
    // Keep pid 1 alive: a child eats memory and is OOM-killed, then the init exits.
    c.process.args = ['sh', '-c', 'sleep 1; (tail /dev/zero); sleep 1'];
    c.linux.resources = { ...c.linux.resources, memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
  });
  const id = uniqueId('oomev');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const r = runts.run(['events', '--interval', '200ms', id], { timeout: 15000 });
  const types = r.stdout.trim().split('\n').map((l) => JSON.parse(l).type);
  expect(types).toContain('oom');
  expect(types).toContain('stats');
});

test('a fork bomb stops at pids.max', () => {
  const b = makeBundle((c) => {
    // Builtins only after the bomb: every fork may fail once pids.max is reached.
    c.process.args = ['sh', '-c', '(i=0; while [ $i -lt 30 ]; do sleep 2 & i=$((i+1)); done) 2>/dev/null; read cur < /sys/fs/cgroup/pids/pids.current; read ev < /sys/fs/cgroup/pids/pids.events; echo $cur $ev'];
    c.linux.resources = { ...c.linux.resources, pids: { limit: 8 } };
  });
  const [current, , failed] = runts.run(['run', '--bundle', b.dir, uniqueId('forkbomb')]).stdout.trim().split(' ');
  expect(Number(current)).toBeLessThanOrEqual(8);
  expect(Number(failed)).toBeGreaterThan(0);
});

test('a cpu quota throttles, and a device outside the allow list cannot be opened', () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', [
      't=$(grep nr_throttled /sys/fs/cgroup/cpu/cpu.stat | cut -d" " -f2)',
      'timeout 1 sh -c "while :; do :; done"',
      't2=$(grep nr_throttled /sys/fs/cgroup/cpu/cpu.stat | cut -d" " -f2); [ "$t2" -gt "$t" ] && echo throttled',
      'mknod /tmp/sda b 8 0 && (head -c1 /tmp/sda >/dev/null 2>&1 && echo device-open || echo device-denied)',
    ].join('; ')];
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD');
    c.linux.resources = { ...c.linux.resources, cpu: { quota: 10000, period: 100000 } };
  });
  expect(runts.run(['run', '--bundle', b.dir, uniqueId('cpudev')]).stdout).toBe('throttled\ndevice-denied\n');
});

test('pause really freezes: a counter stops while paused and moves again after resume', async () => {
  const b = makeBundle((c) => {
    c.root.readonly = false;
    // The counter is the file's size: appends never show a half-written value.
    c.process.args = ['sh', '-c', 'while :; do echo x >> /tmp/count; done'];
  });
  const id = uniqueId('freeze');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const count = () => fs.statSync(`${b.rootfs}/tmp/count`).size;
  await new Promise((r) => setTimeout(r, 200));
  runts.ok(['pause', id]);
  const frozen = count();
  await new Promise((r) => setTimeout(r, 300));
  expect(count()).toBe(frozen);
  runts.ok(['resume', id]);
  await new Promise((r) => setTimeout(r, 300));
  expect(count()).toBeGreaterThan(frozen);
});
