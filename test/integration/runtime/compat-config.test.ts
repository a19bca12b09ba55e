// Configs runc accepts and runts must too (issue 14): each test here also passes against runc:
//   RUNTIME_UNDER_TEST=/usr/sbin/runc npx jest test/integration/runtime/compat-config.test.ts
// Bundles name an absolute cgroupsPath unless the test is about that: runc would otherwise
// nest the container under its own cgroup, which for this test process is not ours to touch.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { removeCgroupTree } from '../../helpers/cgroup-cleanup';
import { Runts, RUNTIME, uniqueId } from '../../helpers/runts';

let runts: Runts;
const cgroupsToRemove: string[] = [];
beforeEach(() => (runts = new Runts()));
afterEach(() => {
  runts.reset();
  cgroupsToRemove.splice(0).forEach(removeCgroupTree);
});
afterAll(cleanupBundles);

const HIERARCHIES = fs.readdirSync('/sys/fs/cgroup').filter((h) => h !== 'process_api');

function bundle(id: string, edit: (c: any) => void) {
  return makeBundle((c) => {
    c.linux.cgroupsPath = `/${id}`;
    edit(c);
  });
}

/** Runs a container in the foreground and returns what it printed. */
function runToEnd(name: string, edit: (c: any) => void) {
  const id = uniqueId(name);
  const b = bundle(id, edit);
  return runts.run(['run', '--bundle', b.dir, id]);
}

test('1: a relative cgroupsPath lives under the runtime\'s own cgroup; later commands from elsewhere find it', () => {
  // The runtime is started from a cgroup of our own, so "its own cgroup" is one we may use.
  const parent = `ca-parent-${process.pid}`;
  cgroupsToRemove.push(`/${parent}`);
  for (const h of HIERARCHIES) {
    const dir = path.join('/sys/fs/cgroup', h, parent);
    fs.mkdirSync(dir);
    if (h === 'cpuset') for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', f)));
  }
  const id = uniqueId('ca-relcg');
  const pods = `ca-pods-${process.pid}`;
  // runc 1.1.5 on a hybrid host resolves the cgroup2 path from the root instead (and leaves
  // its parent behind); runts resolves every hierarchy the same way, under its own cgroup.
  cgroupsToRemove.push(`/${pods}`);
  const joined = process.env.RUNTIME_UNDER_TEST ? ['memory', 'pids', 'freezer'] : ['memory', 'pids', 'freezer', 'unified'];
  const b = bundle(id, (c) => {
    c.process.args = ['sleep', '60'];
    c.linux.cgroupsPath = `${pods}/${id}`;
  });
  const enter = 'for d in /sys/fs/cgroup/*/"$0"; do echo $$ > "$d/cgroup.procs"; done; exec "$@"';
  // The container keeps the stdio it is given: a file, never a pipe.
  const errFile = path.join(b.dir, 'stderr');
  const errFd = fs.openSync(errFile, 'w');
  const r = spawnSync('sh', ['-c', enter, parent, RUNTIME, '--root', runts.root, 'run', '-d', '--bundle', b.dir, id], { stdio: ['ignore', errFd, errFd], timeout: 20000 });
  fs.closeSync(errFd);
  expect({ status: r.status, stderr: fs.readFileSync(errFile, 'utf8') }).toEqual({ status: 0, stderr: '' });
  const pid = runts.state(id).pid as number;
  for (const h of joined) {
    expect(fs.readFileSync(`/sys/fs/cgroup/${h}/${parent}/${pods}/${id}/cgroup.procs`, 'utf8').trim()).toBe(String(pid));
  }
  // This process sits in other cgroups (memory is elsewhere): the record, not our cgroup, decides.
  runts.ok(['pause', id]);
  expect(fs.readFileSync(`/sys/fs/cgroup/freezer/${parent}/${pods}/${id}/freezer.state`, 'utf8').trim()).toBe('FROZEN');
  runts.ok(['resume', id]);
  runts.ok(['delete', '--force', id]);
  for (const h of HIERARCHIES) expect(fs.existsSync(`/sys/fs/cgroup/${h}/${parent}/${pods}/${id}`)).toBe(false);
});

test('2: a FIFO in linux.devices is created and needs no device rule', () => {
  const r = runToEnd('ca-fifo', (c) => {
    c.process.args = ['sh', '-c', 'ls -l /dev/fifo0 | cut -c1'];
    c.linux.devices = [{ path: '/dev/fifo0', type: 'p', fileMode: 0o600 }];
    c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
  });
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'p\n', stderr: '' });
});

test('6: a process.env entry without "=" is refused, for the init and for exec', () => {
  const r = runToEnd('ca-env', (c) => {
    c.process.args = ['true'];
    c.process.env = [...c.process.env, 'NOVALUE'];
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('invalid environment variable: \\"NOVALUE\\"');
  expect(runts.ok(['list', '-q'])).toBe('');

  const id = uniqueId('ca-envexec');
  const b = bundle(id, (c) => (c.process.args = ['sleep', '60']));
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const proc = path.join(b.dir, 'process.json');
  fs.writeFileSync(proc, JSON.stringify({ args: ['echo', 'ran'], cwd: '/', env: ['PATH=/bin', 'NOVALUE'], user: { uid: 0, gid: 0 } }));
  for (const args of [['--process', proc, id], ['--env', 'NOVALUE', id, 'echo', 'ran']]) {
    const e = runts.run(['exec', ...args]);
    expect(e.status).not.toBe(0);
    expect(e.stdout).toBe('');
    expect(e.stderr).toContain('invalid environment variable: \\"NOVALUE\\"');
  }
});

test('7: once create returned, edits to config.json do not reach start', () => {
  const id = uniqueId('ca-edit');
  const b = bundle(id, (c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'echo "$WHO" > /who'];
    c.process.env = [...c.process.env, 'WHO=created'];
  });
  runts.ok(['create', '--bundle', b.dir, id]);
  b.config.process.args = ['sh', '-c', 'echo edited > /who'];
  b.config.process.env = [...b.config.process.env, 'WHO=edited'];
  const marker = path.join(b.dir, 'poststart-ran');
  b.config.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `touch ${marker}`] }] };
  b.save();
  runts.ok(['start', id]);
  const deadline = Date.now() + 5000;
  while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
  expect(fs.readFileSync(path.join(b.rootfs, 'who'), 'utf8')).toBe('created\n');
  expect(fs.existsSync(marker)).toBe(false);
});

const ROOT_OPTIONAL_FIELDS = 'awk \'$5=="/" {print $7}\' /proc/self/mountinfo';

test('3: every linux.rootfsPropagation mode starts; shared modes give the container a shared "/" of its own', () => {
  // runc 1.1.5 fails both unbindable modes (it binds the rootfs under an unbindable "/") and
  // leaves "/" private in the shared ones; runts applies the mode once the rootfs is ready, as
  // later runc releases do. Against runc only the start is checked.
  const otherRuntime = !!process.env.RUNTIME_UNDER_TEST;
  const modes = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', ...(otherRuntime ? [] : ['unbindable', 'runbindable'])];
  const expected: Record<string, RegExp> = { shared: /^shared:\d+$/, slave: /^-$/, private: /^-$/, unbindable: /^unbindable$/ };
  for (const mode of modes) {
    const r = runToEnd(`ca-prop-${mode}`, (c) => {
      c.linux.rootfsPropagation = mode;
      c.process.args = ['sh', '-c', ROOT_OPTIONAL_FIELDS];
    });
    expect({ mode, status: r.status, stderr: r.stderr }).toEqual({ mode, status: 0, stderr: '' });
    if (!otherRuntime) expect(r.stdout.trim()).toMatch(expected[mode.replace(/^r/, '')]);
  }
});

test('3: with rshared, nothing the container mounts appears on the host', () => {
  const id = uniqueId('ca-prop-leak');
  const b = bundle(id, (c) => {
    c.linux.rootfsPropagation = 'rshared';
    c.process.args = ['sleep', '60'];
  });
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const pid = runts.state(id).pid as number;
  expect(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).toMatch(/ \/proc rw/);
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(b.dir);
});

test('4: bind mounts accept (and ignore) filesystem data options next to bind and a propagation', () => {
  const r = runToEnd('ca-binddata', (c) => {
    c.mounts.push({ destination: '/mnt/x', type: 'bind', source: '/etc', options: ['bind', 'mode=755', 'size=1k', 'shared', 'ro'] });
    c.process.args = ['sh', '-c', 'test -f /mnt/x/hostname && awk \'$5=="/mnt/x" {print $6}\' /proc/self/mountinfo | cut -d, -f1'];
  });
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'ro\n', stderr: '' });
});

test('11: update --memory -1 lifts a swap limit too; device access "rwa" is taken as "rw"', () => {
  const id = uniqueId('ca-upd');
  const b = bundle(id, (c) => {
    c.process.args = ['sleep', '60'];
    c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024 } };
  });
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const memory = (f: string) => BigInt(fs.readFileSync(`/sys/fs/cgroup/memory/${id}/${f}`, 'utf8').trim());
  expect(memory('memory.memsw.limit_in_bytes')).toBe(128n * 1024n * 1024n);
  runts.ok(['update', '--memory', '-1', id]);
  // The kernel's "unlimited" is the largest page-aligned value.
  expect(memory('memory.limit_in_bytes')).toBeGreaterThan(1n << 60n);
  expect(memory('memory.memsw.limit_in_bytes')).toBeGreaterThan(1n << 60n);
  runts.ok(['update', '--resources', '-', id], { input: JSON.stringify({ devices: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwa' }] }) });
  expect(fs.readFileSync(`/sys/fs/cgroup/devices/${id}/devices.list`, 'utf8')).toMatch(/^c 1:3 rw/m);
});

test('11: exec of a missing binary exits 255 with one error line', () => {
  const id = uniqueId('ca-nobin');
  const b = bundle(id, (c) => (c.process.args = ['sleep', '60']));
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  for (const missing of ['no-such-binary', '/no/such/binary']) {
    const r = runts.run(['exec', id, missing]);
    expect(r.status).toBe(255);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`exec failed: .*${missing}`));
  }
});

test('11: -v prints runc\'s three-line version shape', () => {
  const out = runts.ok(['-v']);
  expect(out).toMatch(/^\S+ version \S+\ncommit: \S+\nspec: \d+\.\d+\.\d+/);
});

// runc 1.1.5 runs such a container too, but it cannot exec into it ("ns paths are empty") and
// leaves the rootfs bind and every mount inside it on the host after delete.
(process.env.RUNTIME_UNDER_TEST ? test.skip : test)('5: no namespaces at all: the container shares ours, is chrooted, and leaves no mount behind', () => {
  const id = uniqueId('ca-nons');
  const b = bundle(id, (c) => {
    c.linux.namespaces = [];
    delete c.linux.maskedPaths;
    delete c.linux.readonlyPaths;
    delete c.hostname;
    c.root.readonly = false;
    c.process.args = ['sleep', '60'];
  });
  const hostMountsInBundle = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(b.dir));
  try {
    fs.writeFileSync(path.join(b.rootfs, 'marker'), 'inside\n');
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const pid = runts.state(id).pid as number;
    for (const ns of ['mnt', 'pid', 'net', 'uts', 'ipc']) expect(fs.readlinkSync(`/proc/${pid}/ns/${ns}`)).toBe(fs.readlinkSync(`/proc/self/ns/${ns}`));
    expect(fs.readlinkSync(`/proc/${pid}/root`)).toBe(b.rootfs);
    expect(hostMountsInBundle().length).toBeGreaterThan(0);
    expect(runts.ok(['exec', id, 'sh', '-c', 'cat /marker; test -d /proc/self && echo proc'])).toBe('inside\nproc\n');
    runts.ok(['delete', '--force', id]);
    expect(hostMountsInBundle()).toEqual([]);
  } finally {
    if (hostMountsInBundle().length) spawnSync('umount', ['-R', '-l', b.rootfs]);
  }
});

test('5: without a mount namespace, masking paths is refused', () => {
  const r = runToEnd('ca-nons-mask', (c) => {
    c.linux.namespaces = [];
    delete c.hostname;
    delete c.linux.readonlyPaths;
    c.root.readonly = false;
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/mount namespace|MNT namespace/);
});

// runc binds the rootfs onto itself on the host and makes that read-only (and leaves it
// there); runts does not bind the rootfs without a mount namespace, so it refuses.
(process.env.RUNTIME_UNDER_TEST ? test.skip : test)('5: without a mount namespace, a read-only rootfs is refused', () => {
  const r = runToEnd('ca-nons-ro', (c) => {
    c.linux.namespaces = [];
    delete c.hostname;
    delete c.linux.maskedPaths;
    delete c.linux.readonlyPaths;
    c.root.readonly = true;
  });
  expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 1, stderr: expect.stringContaining('/root/readonly: requires a mount namespace') });
});
