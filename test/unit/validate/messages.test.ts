// Every bad config gets exactly one line naming the field (JSON pointer) and the rule.
// Each row edits the config `runc spec` writes (namespaces pid, network, ipc, uts, mount).
import { validateConfig } from '../../../src/runtime/validate';
import { RuntsError } from '../../../src/runtime/errors';
import { runcSpec } from './fixtures';

let base: any;
beforeAll(() => (base = runcSpec()));

type Row = [string, (c: any) => unknown, string];

const dropNamespace = (c: any, type: string) =>
  (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== type));

const rows: Row[] = [
  // versions
  ['a future major version', (c) => (c.ociVersion = '2.0.0'),
    'config.json: /ociVersion: unsupported version "2.0.0" (runts supports 1.0.0 to 1.3.x)'],
  ['a newer minor version', (c) => (c.ociVersion = '1.4.0'),
    'config.json: /ociVersion: unsupported version "1.4.0" (runts supports 1.0.0 to 1.3.x)'],
  ['a 0.x version', (c) => (c.ociVersion = '0.6.0-rc1'),
    'config.json: /ociVersion: unsupported version "0.6.0-rc1" (runts supports 1.0.0 to 1.3.x)'],
  ['a version that is not SemVer', (c) => (c.ociVersion = '1.0'),
    'config.json: /ociVersion: "1.0" is not a SemVer version such as "1.3.0"'],
  ['no ociVersion', (c) => delete c.ociVersion, "config.json: must have required property 'ociVersion'"],
  ['a numeric ociVersion', (c) => (c.ociVersion = 1), 'config.json: /ociVersion: must be a string'],
  // required / type / enum / pattern / bounds at several depths
  ['no root', (c) => delete c.root, "config.json: must have required property 'root'"],
  ['root without path', (c) => delete c.root.path, "config.json: /root: must have required property 'path'"],
  ['an empty root path', (c) => (c.root.path = ''), 'config.json: /root/path: must not be empty'],
  ['a string root.readonly', (c) => (c.root.readonly = 'yes'), 'config.json: /root/readonly: must be a boolean'],
  ['args as a string', (c) => (c.process.args = 'sh'), 'config.json: /process/args: must be an array'],
  ['empty args', (c) => (c.process.args = []), 'config.json: /process/args: must not be empty'],
  ['no args', (c) => delete c.process.args, "config.json: /process: must have required property 'args'"],
  ['no cwd', (c) => delete c.process.cwd, "config.json: /process: must have required property 'cwd'"],
  ['no user gid', (c) => delete c.process.user.gid, "config.json: /process/user: must have required property 'gid'"],
  ['a negative uid', (c) => (c.process.user.uid = -1), 'config.json: /process/user/uid: must be at least 0'],
  ['a uid beyond 32 bits', (c) => (c.process.user.uid = 2 ** 32), 'config.json: /process/user/uid: must be at most 4294967295'],
  ['a fractional gid', (c) => (c.process.user.additionalGids = [1.5]),
    'config.json: /process/user/additionalGids/0: must be an integer'],
  ['an unknown namespace type', (c) => (c.linux.namespaces[2].type = 'net'),
    'config.json: /linux/namespaces/2/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time'],
  ['a lower-case rlimit', (c) => (c.process.rlimits[0].type = 'nofile'),
    'config.json: /process/rlimits/0/type: must match the pattern ^RLIMIT_[A-Z]+$'],
  ['a bad capability name', (c) => (c.process.capabilities.bounding[1] = 'kill'),
    'config.json: /process/capabilities/bounding/1: must match the pattern ^CAP_[A-Z0-9_]+$'],
  ['an unknown ioPriority class', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 0 }),
    'config.json: /process/ioPriority/class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE'],
  ['a scheduler without policy', (c) => (c.process.scheduler = { nice: 1 }),
    "config.json: /process/scheduler: must have required property 'policy'"],
  ['a bad execCPUAffinity list', (c) => (c.process.execCPUAffinity = { initial: 'all' }),
    'config.json: /process/execCPUAffinity/initial: must match the pattern ^[0-9, -]*$'],
  ['an unknown seccomp action', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_DENY' }),
    'config.json: /linux/seccomp/defaultAction: must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, ' +
    'SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY'],
  ['an unknown seccomp operator',
    (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_IN' }] }] }),
    'config.json: /linux/seccomp/syscalls/0/args/0/op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ'],
  ['a seccomp rule without names', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_LOG' }] }),
    'config.json: /linux/seccomp/syscalls/0/names: must not be empty'],
  ['an unknown seccomp flag', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] }),
    'config.json: /linux/seccomp/flags/0: must be one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
  ['an unknown clock in timeOffsets', (c) => (c.linux.timeOffsets = { realtime: { secs: 1 } }),
    "config.json: /linux/timeOffsets: unknown property 'realtime'"],
  ['mount uidMappings without gidMappings',
    (c) => (c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    "config.json: /mounts/0: must have property 'gidMappings' when 'uidMappings' is present"],
  ['a mount without destination', (c) => delete c.mounts[3].destination,
    "config.json: /mounts/3: must have required property 'destination'"],
  ['a char device without major', (c) => (c.linux.devices = [{ type: 'c', path: '/dev/x', minor: 1 }]),
    "config.json: /linux/devices/0: must have required property 'major'"],
  ['a device of unknown type', (c) => (c.linux.devices = [{ type: 's', path: '/dev/x' }]),
    'config.json: /linux/devices/0/type: must be one of c, b, u, p'],
  ['a weightDevice without any weight', (c) => (c.linux.resources.blockIO = { weightDevice: [{ major: 8, minor: 0 }] }),
    "config.json: /linux/resources/blockIO/weightDevice/0: must have property 'weight' or 'leafWeight'"],
  ['a weightDevice weight of the wrong type', (c) => (c.linux.resources.blockIO = { weightDevice: [{ major: 8, minor: 0, weight: 'x' }] }),
    'config.json: /linux/resources/blockIO/weightDevice/0/weight: must be an integer'],
  ['a memory limit given as a string', (c) => (c.linux.resources.memory = { limit: '1g' }),
    'config.json: /linux/resources/memory/limit: must be an integer'],
  ['a memory limit beyond int64', (c) => (c.linux.resources.memory = { limit: 1e20 }),
    'config.json: /linux/resources/memory/limit: must be at most 9223372036854775807'],
  ['negative cpu shares', (c) => (c.linux.resources.cpu = { shares: -1 }),
    'config.json: /linux/resources/cpu/shares: must be at least 0'],
  ['a hugepage size without unit', (c) => (c.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 1 }]),
    'config.json: /linux/resources/hugepageLimits/0/pageSize: must match the pattern ^[1-9][0-9]*[KMG]B$'],
  ['pids without limit', (c) => (c.linux.resources.pids = {}),
    "config.json: /linux/resources/pids: must have required property 'limit'"],
  ['a device rule without allow', (c) => (c.linux.resources.devices[0] = { access: 'rwm' }),
    "config.json: /linux/resources/devices/0: must have required property 'allow'"],
  ['an rdma entry with no limit', (c) => (c.linux.resources.rdma = { mlx5_0: {} }),
    "config.json: /linux/resources/rdma/mlx5_0: must have property 'hcaHandles' or 'hcaObjects'"],
  ['an empty annotation key', (c) => (c.annotations = { '': 'x' }),
    'config.json: /annotations: property name "" must not be empty'],
  ['a numeric annotation value', (c) => (c.annotations = { 'a/b': 1 }), 'config.json: /annotations/a~1b: must be a string'],
  ['a hook timeout of 0', (c) => (c.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] }),
    'config.json: /hooks/poststop/0/timeout: must be at least 1'],
  ['an unknown personality domain', (c) => (c.linux.personality = { domain: 'LINUX64' }),
    'config.json: /linux/personality/domain: must be one of LINUX, LINUX32'],
  ['an unknown memory policy mode', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_ANY' }),
    'config.json: /linux/memoryPolicy/mode: must be one of MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL'],
  ['an intelRdt memBwSchema without MB:', (c) => (c.linux.intelRdt = { memBwSchema: 'L3:0=1' }),
    'config.json: /linux/intelRdt/memBwSchema: must match the pattern ^MB:[^\\n]*$'],
  ['a netDevice name that is not a string', (c) => (c.linux.netDevices = { eth0: { name: 5 } }),
    'config.json: /linux/netDevices/eth0/name: must be a string'],
  ['an unknown rootfsPropagation', (c) => (c.linux.rootfsPropagation = 'recursive'),
    'config.json: /linux/rootfsPropagation: must be one of private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable'],
  // semantic rules
  ['a relative mount destination', (c) => (c.mounts[0].destination = 'proc'),
    'config.json: /mounts/0/destination: must be an absolute path, got "proc"'],
  ['an idmap mount with no mappings and no user namespace', (c) => (c.mounts[1].options.push('idmap')),
    'config.json: /mounts/1/options: idmap needs uidMappings and gidMappings on the mount or a user namespace'],
  ['a relative process.cwd', (c) => (c.process.cwd = 'tmp'),
    'config.json: /process/cwd: must be an absolute path, got "tmp"'],
  ['an rlimit the kernel does not know', (c) => (c.process.rlimits[0].type = 'RLIMIT_FOO'),
    'config.json: /process/rlimits/0/type: unknown rlimit RLIMIT_FOO (the kernel knows RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, ' +
    'RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, ' +
    'RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)'],
  ['a soft rlimit above the hard one', (c) => (c.process.rlimits[0] = { type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }),
    'config.json: /process/rlimits/0: soft limit 2048 is above hard limit 1024'],
  ['a duplicate rlimit', (c) => c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }),
    'config.json: /process/rlimits/1/type: duplicate rlimit RLIMIT_NOFILE'],
  ['a hostname without a uts namespace', (c) => dropNamespace(c, 'uts'),
    'config.json: /hostname: cannot be set without a uts namespace (add {"type": "uts"} to linux.namespaces)'],
  ['a domainname without a uts namespace', (c) => (dropNamespace(c, 'uts'), delete c.hostname, (c.domainname = 'example.org')),
    'config.json: /domainname: cannot be set without a uts namespace (add {"type": "uts"} to linux.namespaces)'],
  ['a relative hook path', (c) => (c.hooks = { createRuntime: [{ path: '/bin/a' }, { path: 'bin/b' }] }),
    'config.json: /hooks/createRuntime/1/path: must be an absolute path, got "bin/b"'],
  ['a duplicate namespace type', (c) => c.linux.namespaces.push({ type: 'pid' }),
    'config.json: /linux/namespaces/5/type: duplicate namespace type "pid"'],
  ['a relative namespace path', (c) => (c.linux.namespaces[1].path = 'proc/1/ns/net'),
    'config.json: /linux/namespaces/1/path: must be an absolute path, got "proc/1/ns/net"'],
  ['a new user namespace without uidMappings', (c) => c.linux.namespaces.push({ type: 'user' }),
    'config.json: /linux/uidMappings: required (non-empty) when a new user namespace is created'],
  ['a new user namespace without gidMappings',
    (c) => (c.linux.namespaces.push({ type: 'user' }), (c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])),
    'config.json: /linux/gidMappings: required (non-empty) when a new user namespace is created'],
  ['mappings without a user namespace', (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    'config.json: /linux/uidMappings: set, but linux.namespaces has no user namespace'],
  ['timeOffsets without a time namespace', (c) => (c.linux.timeOffsets = { monotonic: { secs: 10 } }),
    'config.json: /linux/timeOffsets: requires a new time namespace (a {"type": "time"} entry without path)'],
  ['timeOffsets on a joined time namespace',
    (c) => (c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' }), (c.linux.timeOffsets = { boottime: { secs: 1 } })),
    'config.json: /linux/timeOffsets: requires a new time namespace (a {"type": "time"} entry without path)'],
  ['a relative device path', (c) => (c.linux.devices = [{ type: 'p', path: 'dev/fifo' }]),
    'config.json: /linux/devices/0/path: must be an absolute path, got "dev/fifo"'],
  ['a relative cgroupsPath', (c) => (c.linux.cgroupsPath = 'runts/x'),
    'config.json: /linux/cgroupsPath: must be an absolute path or slice:prefix:name (systemd), got "runts/x"'],
  ['a cgroupsPath climbing out', (c) => (c.linux.cgroupsPath = '/runts/../../x'),
    'config.json: /linux/cgroupsPath: must not contain "..", got "/runts/../../x"'],
  ['SCMP_ACT_NOTIFY as default action', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/a.sock' }),
    'config.json: /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action'],
  ['errnoRet on an allow rule',
    (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }),
    'config.json: /linux/seccomp/syscalls/0/errnoRet: only applies to SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW'],
  ['defaultErrnoRet with a kill default', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }),
    'config.json: /linux/seccomp/defaultErrnoRet: only applies to SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL'],
  ['SCMP_ACT_NOTIFY without listenerPath',
    (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }),
    'config.json: /linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath'],
  ['SCMP_ACT_NOTIFY on write',
    (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] }),
    'config.json: /linux/seccomp/syscalls/0/names: SCMP_ACT_NOTIFY cannot be used for write'],
  ['listenerMetadata without listenerPath', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }),
    'config.json: /linux/seccomp/listenerMetadata: requires listenerPath'],
  ['a net sysctl without a network namespace', (c) => (dropNamespace(c, 'network'), (c.linux.sysctl = { 'net.ipv4.ip_forward': '1' })),
    "config.json: /linux/sysctl/net.ipv4.ip_forward: requires a network namespace (not allowed in the host's)"],
  ['a net sysctl in slash form without a network namespace',
    (c) => (dropNamespace(c, 'network'), (c.linux.sysctl = { 'net/ipv4/ip_forward': '1' })),
    "config.json: /linux/sysctl/net~1ipv4~1ip_forward: requires a network namespace (not allowed in the host's)"],
  ['a net sysctl in a joined host network namespace',
    (c) => ((c.linux.namespaces[1].path = '/proc/self/ns/net'), (c.linux.sysctl = { 'net.core.somaxconn': '1024' })),
    "config.json: /linux/sysctl/net.core.somaxconn: not allowed: /proc/self/ns/net is the host's network namespace"],
  ['an ipc sysctl without an ipc namespace', (c) => (dropNamespace(c, 'ipc'), (c.linux.sysctl = { 'kernel.shmmax': '1' })),
    "config.json: /linux/sysctl/kernel.shmmax: requires an ipc namespace (not allowed in the host's)"],
  ['an mqueue sysctl without an ipc namespace', (c) => (dropNamespace(c, 'ipc'), (c.linux.sysctl = { 'fs.mqueue.msg_max': '10' })),
    "config.json: /linux/sysctl/fs.mqueue.msg_max: requires an ipc namespace (not allowed in the host's)"],
  ['kernel.domainname without a uts namespace',
    (c) => (dropNamespace(c, 'uts'), delete c.hostname, (c.linux.sysctl = { 'kernel.domainname': 'x' })),
    "config.json: /linux/sysctl/kernel.domainname: requires a uts namespace (not allowed in the host's)"],
  ['kernel.hostname instead of the hostname field', (c) => (c.linux.sysctl = { 'kernel.hostname': 'x' }),
    'config.json: /linux/sysctl/kernel.hostname: conflicts with the "hostname" field: set that instead'],
  ['a sysctl of no namespace', (c) => (c.linux.sysctl = { 'vm.swappiness': '10' }),
    'config.json: /linux/sysctl/vm.swappiness: is not in a separate kernel namespace, so it cannot be set per container'],
  ['a relative masked path', (c) => (c.linux.maskedPaths[2] = 'proc/kcore'),
    'config.json: /linux/maskedPaths/2: must be an absolute path, got "proc/kcore"'],
  ['readonlyPaths without a mount namespace', (c) => (dropNamespace(c, 'mount'), (c.linux.maskedPaths = [])),
    'config.json: /linux/readonlyPaths: requires a mount namespace'],
];

test.each(rows)('%s', (_name, edit, expected) => {
  const config = structuredClone(base);
  edit(config);
  let thrown: unknown;
  try {
    validateConfig(config);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(RuntsError);
  expect((thrown as RuntsError).kind).toBe('invalid');
  expect((thrown as RuntsError).message).toBe(expected);
});

test('a document that is not an object', () => {
  for (const raw of [null, [], 'config', 3]) {
    expect(() => validateConfig(raw)).toThrow(new RuntsError('config.json: must be an object', 'invalid'));
  }
});
