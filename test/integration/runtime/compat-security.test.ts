// Security-relevant runc compatibility (issue 14, item 10): a sub-cgroup cannot escape the
// container's cgroup, device rules hold for exec'd processes, and `delete --force` of a paused
// container leaves nothing frozen behind. The same file passes against runc:
//   RUNTIME_UNDER_TEST=/usr/sbin/runc npx jest test/integration/runtime/compat-security.test.ts
// Every bundle names an absolute cgroupsPath: runc would otherwise nest the container under
// its own cgroup, which for this test process is not ours to touch.
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { procsOf, releaseCgroup } from '../../helpers/cgroup-cleanup';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
const cgroupsToRemove: string[] = [];
beforeEach(() => (runts = new Runts()));
afterEach(() => {
  runts.reset();
  cgroupsToRemove.splice(0).forEach(releaseCgroup);
});
afterAll(cleanupBundles);

const HIERARCHIES = fs.readdirSync('/sys/fs/cgroup').filter((h) => h !== 'process_api');

function running(name: string, edit?: (c: any) => void) {
  const id = uniqueId(name);
  const b = makeBundle((c) => {
    c.process.args = ['sleep', '60'];
    c.linux.cgroupsPath = `/${id}`;
    edit?.(c);
  });
  cgroupsToRemove.push(`/${id}`);
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  return { id, pid: runts.state(id).pid as number };
}


/** A cgroup beside the container's in every hierarchy, usable (cpuset seeded from the root). */
function siblingCgroup(name: string): string {
  cgroupsToRemove.push(`/${name}`);
  for (const h of HIERARCHIES) {
    const dir = path.join('/sys/fs/cgroup', h, name);
    fs.mkdirSync(dir);
    if (h === 'cpuset') {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', f)));
    }
  }
  return name;
}


test('exec --cgroup with ".." is refused and the process never reaches a cgroup outside the container', () => {
  const { id } = running('ca-subcg');
  const sibling = siblingCgroup(`sibling-${id}`);
  for (const sub of ['..', `../${sibling}`, `x/../../${sibling}`]) {
    const r = runts.run(['exec', '--cgroup', sub, id, 'sleep', '5']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${sub} is not a sub cgroup path`);
  }
  for (const h of HIERARCHIES) expect(procsOf(h, sibling)).toBe('');
});

// runc 1.1.5 compares the joined path as a string prefix, so it lets `../<id>-x` into the
// sibling cgroup <id>-x; runts compares whole path components and refuses it.
(process.env.RUNTIME_UNDER_TEST ? test.skip : test)('exec --cgroup cannot reach a sibling whose name extends the container\'s', () => {
  const { id } = running('ca-prefix');
  const sibling = siblingCgroup(`${id}-x`);
  const r = runts.run(['exec', '--cgroup', `../${sibling}`, id, 'sleep', '5']);
  expect(r.stderr).toContain('is not a sub cgroup path');
  for (const h of HIERARCHIES) expect(procsOf(h, sibling)).toBe('');
});

test('deny-all device rules hold for exec\'d processes: a /dev/kmsg node from linux.devices is not writable', () => {
  const { id } = running('ca-kmsg', (c) => {
    c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
    c.linux.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11 }];
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_SYSLOG');
  });
  const kmsg = runts.run(['exec', id, 'sh', '-c', 'echo runts-compat-test > /dev/kmsg']);
  expect(kmsg.status).not.toBe(0);
  expect(kmsg.stderr).toContain('Operation not permitted');
  // The default devices stay usable under the same rules.
  expect(runts.run(['exec', id, 'sh', '-c', 'echo ok > /dev/null && head -c 1 /dev/zero | wc -c']).stdout.trim()).toBe('1');
  // A sub-cgroup made later (exec --cgroup) inherits the container's rules.
  for (const h of HIERARCHIES) {
    const dir = path.join('/sys/fs/cgroup', h, id, 'sub');
    fs.mkdirSync(dir);
    if (h === 'cpuset') for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', id, f)));
  }
  const sub = runts.run(['exec', '--cgroup', 'sub', id, 'sh', '-c', 'grep devices: /proc/self/cgroup; echo runts-compat-test > /dev/kmsg']);
  expect(sub.stdout).toMatch(/devices:\/sub$/m);
  expect(sub.status).not.toBe(0);
  expect(sub.stderr).toContain('Operation not permitted');
});

function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

test('delete --force of a paused container thaws, kills and removes it', () => {
  const { id } = running('ca-paused', (c) => (c.process.args = ['sh', '-c', 'sleep 60 & sleep 60']));
  const pids = procsOf('pids', id).split('\n').map(Number);
  expect(pids.length).toBe(2);
  runts.ok(['pause', id]);
  expect(fs.readFileSync(`/sys/fs/cgroup/freezer/${id}/freezer.state`, 'utf8').trim()).toBe('FROZEN');
  const t0 = Date.now();
  const r = runts.run(['delete', '--force', id]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(Date.now() - t0).toBeLessThan(5000);
  const deadline = Date.now() + 2000;
  while (!pids.every(gone) && Date.now() < deadline);
  expect(pids.filter((p) => !gone(p))).toEqual([]);
  for (const h of HIERARCHIES) expect(fs.existsSync(path.join('/sys/fs/cgroup', h, id))).toBe(false);
  expect(runts.run(['state', id]).status).not.toBe(0);
});
