// The launch plan is pure logic: spec in, ordered ops out.
import { buildLaunchPlan, LaunchPlanInput } from '../../../src/runtime/plan/build';
import { defaultSpec } from '../../../src/runtime/default-spec';
import { parseMountOptions } from '../../../src/runtime/plan/mount-options';
import { MS } from '../../../src/mount/flags';
import { Op } from '../../../src/runtime/plan/ops';
import { decodeRecords, encodeRecords } from '../../../src/runtime/plan/wire';
import { parseSignal } from '../../../src/runtime/signals';
import { capabilityMask } from '../../../src/runtime/plan/capabilities';

const input = (edit?: (i: LaunchPlanInput) => void): LaunchPlanInput => {
  const i: LaunchPlanInput = {
    spec: defaultSpec(), bundle: '/b', rootfs: '/b/rootfs', noPivot: false, noNewKeyring: false, id: 'c1',
    preserveFds: 0, fifoFd: 3, lastCap: 40, cgroups: { unifiedOnly: false, hierarchies: [{ name: 'cpu,cpuacct', hostDir: '/sys/fs/cgroup/cpu,cpuacct/c1' }] },
  };
  i.spec.process!.terminal = false;
  edit?.(i);
  return i;
};
const ops = (i: LaunchPlanInput) => buildLaunchPlan(i).records.map((r) => r.op);

test('ops come in the order runts-init must carry them out', () => {
  const order = ops(input());
  const pos = (op: number) => order.indexOf(op);
  expect(order[order.length - 1]).toBe(Op.EXEC);
  expect(pos(Op.CLONE)).toBeLessThan(pos(Op.SETSID));
  expect(pos(Op.BIND_ROOTFS)).toBeLessThan(pos(Op.MOUNT));
  expect(order.lastIndexOf(Op.MOUNT)).toBeLessThan(pos(Op.PIVOT_ROOT));
  expect(pos(Op.PIVOT_ROOT)).toBeLessThan(pos(Op.MASK));
  expect(pos(Op.MASK)).toBeLessThan(pos(Op.ROOT_READONLY));
  expect(pos(Op.CHECK_EXEC)).toBeLessThan(pos(Op.READY));
  expect(pos(Op.READY)).toBeLessThan(pos(Op.EXEC_FIFO));
  expect(pos(Op.EXEC_FIFO)).toBeLessThan(pos(Op.USER));
  expect(pos(Op.BOUNDING_CAPS)).toBeLessThan(pos(Op.USER));
  expect(pos(Op.USER)).toBeLessThan(pos(Op.CAPS));
  expect(pos(Op.NO_NEW_PRIVS)).toBeGreaterThan(pos(Op.CAPS));
});

test('a notify filter is loaded (identity first) before READY, while the runtime can still pass its fd on', () => {
  const seccomp = { bpf: Buffer.alloc(8), flags: 8, notify: { listenerPath: '/run/agent.sock' } };
  const order = ops(input((i) => (i.seccomp = seccomp)));
  const pos = (op: number) => order.indexOf(op);
  expect(pos(Op.CAPS)).toBeLessThan(pos(Op.SECCOMP));
  expect(pos(Op.SECCOMP)).toBeLessThan(pos(Op.READY));
  expect(buildLaunchPlan(input((i) => (i.seccomp = seccomp))).records.find((r) => r.op === Op.SECCOMP)!.args[2]).toBe(1);
  const plain = ops(input((i) => (i.seccomp = { bpf: Buffer.alloc(8), flags: 0 })));
  expect(plain.indexOf(Op.SECCOMP)).toBeGreaterThan(plain.indexOf(Op.EXEC_FIFO));
});

test('id-mapped binds: stage 1 prepares each tree (own maps, or the user namespace\'s), the mount attaches it by index', () => {
  const records = buildLaunchPlan(input((i) => {
    const l = i.spec.linux!;
    l.namespaces!.push({ type: 'user' });
    l.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    l.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    i.spec.mounts!.push(
      { destination: '/a', type: 'bind', source: '/src/a', options: ['bind'],
        uidMappings: [{ containerID: 1000, hostID: 0, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 0, size: 2 }] },
      { destination: '/b', type: 'bind', source: 'rel', options: ['rbind', 'ridmap'] },
    );
  })).records;
  const trees = records.filter((r) => r.op === Op.IDMAP_TREE).map((r) => r.args);
  expect(trees).toEqual([[0, '/src/a', 0, 0, '1000 0 1\n', '1000 0 2\n'], [1, '/b/rel', 1, 1, '0 100000 65536\n', '0 200000 65536\n']]);
  const mounts = records.filter((r) => r.op === Op.MOUNT);
  expect(mounts.find((r) => r.args[1] === '/a')!.args[10]).toBe(0);
  expect(mounts.find((r) => r.args[1] === '/b')!.args[10]).toBe(1);
  expect(mounts.find((r) => r.args[1] === '/proc')!.args[10]).toBe(-1);
});

test('namespaces: joins by path come first with the user namespace leading; new ones become clone flags', () => {
  const plan = buildLaunchPlan(input((i) => {
    i.spec.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'user', path: '/proc/1/ns/user' }, { type: 'pid' }];
  }));
  expect(plan.records[0]).toEqual({ op: Op.NS_JOIN, args: [0x10000000, '/proc/1/ns/user'] });
  expect(plan.records[1]).toEqual({ op: Op.NS_JOIN, args: [0x40000000, '/proc/1/ns/net'] });
  expect(plan.records[2]).toEqual({ op: Op.CLONE, args: [0x00020000 | 0x20000000] });
  expect(plan.userns).toBe(true);
});

test('the cgroup namespace is unshared by the init after placement, not at clone', () => {
  const plan = buildLaunchPlan(input());
  const clone = plan.records.find((r) => r.op === Op.CLONE)!;
  expect(Number(clone.args[0]) & 0x02000000).toBe(0);
  expect(plan.records.find((r) => r.op === Op.UNSHARE)!.args).toEqual([0x02000000]);
});

test('a cgroup mount on a v1 host becomes a tmpfs, one bind per hierarchy, symlinks and a read-only remount', () => {
  const mounts = buildLaunchPlan(input()).records.filter((r) => (r.op === Op.MOUNT || r.op === Op.SYMLINK) && String(r.args[1]).startsWith('/sys/fs/cgroup'));
  expect(mounts.map((r) => [r.op, r.args[0], r.args[1]])).toEqual([
    [Op.MOUNT, 'tmpfs', '/sys/fs/cgroup'],
    [Op.MOUNT, '/sys/fs/cgroup/cpu,cpuacct/c1', '/sys/fs/cgroup/cpu,cpuacct'],
    [Op.SYMLINK, 'cpu,cpuacct', '/sys/fs/cgroup/cpu'],
    [Op.SYMLINK, 'cpu,cpuacct', '/sys/fs/cgroup/cpuacct'],
    [Op.MOUNT, 'tmpfs', '/sys/fs/cgroup'],
  ]);
  expect(Number(mounts[4].args[3]) & MS.REMOUNT).toBeTruthy();
});

test('user namespaces bind host devices instead of mknod', () => {
  const plan = buildLaunchPlan(input((i) => {
    i.spec.linux!.namespaces!.push({ type: 'user' });
    i.spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }));
  expect(plan.records.some((r) => r.op === Op.MKNOD)).toBe(false);
  expect(plan.records.some((r) => r.op === Op.MOUNT && r.args[0] === '/dev/null' && r.args[6] === 1)).toBe(true);
});

test('rootfsPropagation: the mode while preparing, the rootfs holder private or slave, shared/unbindable at the end', () => {
  const records = (mode?: string) => buildLaunchPlan(input((i) => (i.spec.linux!.rootfsPropagation = mode as never))).records;
  const argsOf = (mode: string | undefined, op: number) => records(mode).filter((r) => r.op === op).map((r) => r.args);
  expect(argsOf(undefined, Op.ROOT_PROPAGATION)).toEqual([[MS.SLAVE | MS.REC]]);
  expect(argsOf(undefined, Op.BIND_ROOTFS)).toEqual([['/b/rootfs', MS.PRIVATE, 1]]);
  expect(argsOf('rshared', Op.ROOT_PROPAGATION)).toEqual([[MS.SHARED | MS.REC], [MS.SHARED | MS.REC]]);
  expect(argsOf('rslave', Op.BIND_ROOTFS)).toEqual([['/b/rootfs', MS.SLAVE, 1]]);
  expect(argsOf('private', Op.ROOT_PROPAGATION)).toEqual([[MS.PRIVATE]]);
  expect(argsOf('runbindable', Op.ROOT_PROPAGATION)).toEqual([[MS.SLAVE | MS.REC], [MS.UNBINDABLE | MS.REC]]);
  const order = records('unbindable').map((r) => r.op);
  expect(order.lastIndexOf(Op.ROOT_PROPAGATION)).toBeGreaterThan(order.lastIndexOf(Op.MASK));
});

test('without a mount namespace the host\'s is left alone: no propagation change, no rootfs bind, a chroot', () => {
  const records = buildLaunchPlan(input((i) => {
    i.spec.linux!.namespaces = [{ type: 'pid' }];
    delete i.spec.linux!.maskedPaths;
    delete i.spec.linux!.readonlyPaths;
  })).records;
  const order = records.map((r) => r.op);
  expect(order).not.toContain(Op.ROOT_PROPAGATION);
  expect(order).not.toContain(Op.PIVOT_ROOT);
  expect(records.find((r) => r.op === Op.BIND_ROOTFS)!.args).toEqual(['/b/rootfs', 0, 0]);
  expect(records.find((r) => r.op === Op.CHROOT)!.args).toEqual(['/b/rootfs']);
});

test('plan errors name what is wrong', () => {
  expect(() => buildLaunchPlan(input((i) => (i.spec.process!.terminal = true)))).toThrow('no console socket was given');
  expect(() => buildLaunchPlan(input((i) => (i.spec.mounts = [{ destination: 'relative', type: 'tmpfs' }])))).toThrow('mount destination relative is not an absolute path');
  expect(() => buildLaunchPlan(input((i) => (i.spec.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }])))).toThrow('rlimit type "RLIMIT_BOGUS" is not known');
  expect(() => buildLaunchPlan(input((i) => (i.spec.linux!.devices = [{ path: '/dev/x', type: 'q' }])))).toThrow('device /dev/x: unknown type "q"');
});

test('mount options split into flags, propagation, bind attributes and data', () => {
  const o = parseMountOptions(['nosuid', 'ro', 'rw', 'rslave', 'mode=755', 'size=1k', 'noexec']);
  expect(o.flags).toBe(MS.NOSUID | MS.NOEXEC);
  expect(o.propagation).toEqual([MS.SLAVE | MS.REC]);
  expect(o.data).toBe('mode=755,size=1k');
  const bind = parseMountOptions(['rbind', 'ro', 'nodev']);
  expect(bind).toMatchObject({ bind: true, recursive: true, attrs: 0x1 | 0x4, recursiveAttrs: false });
  expect(parseMountOptions(['bind', 'rro']).recursiveAttrs).toBe(true);
});

test('capability names become masks; unknown ones are reported', () => {
  expect(capabilityMask(['CAP_KILL', 'CAP_NET_BIND_SERVICE'], 40)).toEqual({ mask: (1n << 5n) | (1n << 10n), unknown: [] });
  expect(capabilityMask(['CAP_NOPE', 'CAP_CHECKPOINT_RESTORE'], 39).unknown).toEqual(['CAP_NOPE', 'CAP_CHECKPOINT_RESTORE']);
});

test('signals by name, SIG-name and number', () => {
  expect(parseSignal('KILL')).toBe(9);
  expect(parseSignal('sigterm')).toBe(15);
  expect(parseSignal('10')).toBe(10);
  expect(parseSignal(undefined)).toBe(15);
  expect(() => parseSignal('99')).toThrow('unknown signal');
});

test('the wire encoding round-trips', () => {
  const records = [{ op: 14, args: ['a', 12, 18446744073709551615n, Buffer.from([0, 1, 2])] }, { op: 37, args: [] }];
  expect(decodeRecords(encodeRecords(records))).toEqual([
    { op: 14, args: ['a', '12', '18446744073709551615', '\u0000\u0001\u0002'] },
    { op: 37, args: [] },
  ]);
  expect(() => decodeRecords(encodeRecords(records).subarray(0, 10))).toThrow('truncated');
});

test('every mount option features advertises is understood, none leaks into fs data', () => {
  const { KNOWN_MOUNT_OPTIONS } = require('../../../src/runtime/plan/mount-options');
  for (const opt of KNOWN_MOUNT_OPTIONS) expect(parseMountOptions([opt]).data).toBe('');
  expect(KNOWN_MOUNT_OPTIONS).toEqual(expect.arrayContaining(['rro', 'rbind', 'rslave', 'nosymfollow', 'acl']));
});

test('the wire encoding counts a string in UTF-8 bytes', () => {
  const encoded = encodeRecords([{ op: 1, args: ['é✓'] }]);
  expect(encoded.readUInt32LE(8)).toBe(5);
  expect(decodeRecords(encoded)).toEqual([{ op: 1, args: ['é✓'] }]);
});
