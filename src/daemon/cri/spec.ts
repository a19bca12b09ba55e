// OCI specs for CRI: the sandbox's (pause holding the pod's namespaces) and each container's,
// built from PodSandboxConfig / ContainerConfig and the image config as containerd's CRI does:
// containers join the pause process's namespaces per NamespaceOption, bind the pod's
// /etc/hosts, hostname and resolv.conf, and take the security context and resources asked for.
import * as fs from 'fs';
import * as grpc from '@grpc/grpc-js';
import { ImageConfig } from '../../image/documents';
import { GrpcStatusError } from '../deps';
import { Message } from './store';
import { seccompFor } from './seccomp';
import { ProcessUser } from './container-user';
import { SHIM_GROUP_ANNOTATION } from './shim-groups';

const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const ALL_CAPS = ['CAP_AUDIT_CONTROL', 'CAP_AUDIT_READ', 'CAP_AUDIT_WRITE', 'CAP_BLOCK_SUSPEND', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_KILL',
  'CAP_LEASE', 'CAP_LINUX_IMMUTABLE', 'CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_MKNOD', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_RAW', 'CAP_PERFMON', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYSLOG',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_CHROOT', 'CAP_SYS_MODULE', 'CAP_SYS_NICE', 'CAP_SYS_PACCT', 'CAP_SYS_PTRACE',
  'CAP_SYS_RAWIO', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_WAKE_ALARM'];
const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SANDBOX_OOM_SCORE_ADJ = -998;

const invalidArg = (msg: string) => new GrpcStatusError(grpc.status.INVALID_ARGUMENT, msg);

/** The pod's files: what containers bind at /etc/hosts, /etc/hostname, /etc/resolv.conf. */
export function writePodFiles(dir: string, config: Message, hostNetwork: boolean): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  const hostname = hostNetwork ? fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() : config.hostname || '';
  fs.writeFileSync(`${dir}/hostname`, `${hostname}\n`);
  fs.writeFileSync(`${dir}/hosts`, hostNetwork && fs.existsSync('/etc/hosts')
    ? fs.readFileSync('/etc/hosts')
    : '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  const dns = config.dns_config;
  let resolv: string;
  if (dns && (dns.servers?.length || dns.searches?.length || dns.options?.length)) {
    resolv = [
      ...(dns.searches?.length ? [`search ${dns.searches.join(' ')}`] : []),
      ...(dns.servers ?? []).map((s: string) => `nameserver ${s}`),
      ...(dns.options?.length ? [`options ${dns.options.join(' ')}`] : []),
    ].join('\n') + '\n';
  } else {
    resolv = fs.existsSync('/etc/resolv.conf') ? fs.readFileSync('/etc/resolv.conf', 'utf8') : '';
  }
  fs.writeFileSync(`${dir}/resolv.conf`, resolv);
}

/** The pod's own name for its IP in the pod's hosts file, once (a recovery may ask again). */
export function addPodHostsEntry(dir: string, hostname: string, ip: string): void {
  const hosts = `${dir}/hosts`;
  const line = `${ip}\t${hostname}\n`;
  if (!hostname || !fs.existsSync(hosts) || fs.readFileSync(hosts, 'utf8').includes(line)) return;
  fs.appendFileSync(hosts, line);
}

function baseMounts(readonlySys: boolean) {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', readonlySys ? 'ro' : 'rw'] },
  ];
}

export const isNode = (mode: string | undefined) => mode === 'NODE';

/** cgroupfs path of a sandbox or container: under the pod's cgroup parent when given. */
export function cgroupsPathFor(sandboxConfig: Message, id: string): string {
  const parent = sandboxConfig.linux?.cgroup_parent || '/k8s.io';
  return `${parent.replace(/\/+$/, '')}/${id}`;
}

export function clampOom(requested: number, restrict: boolean): number {
  if (!restrict) return requested;
  const own = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  return Math.max(requested, own);
}

export interface SandboxSpecInput {
  id: string;
  config: Message;
  image: ImageConfig;
  netns: string;
  cgroupsPath: string;
  restrictOom: boolean;
  /** The shim group shared with other pods (src/daemon/cri/shim-groups.ts). */
  shimGroup?: string;
}

/** The annotation that puts a pod's tasks into its shim group, when it has one. */
const shimGroupAnnotation = (group: string | undefined): Record<string, string> => (group ? { [SHIM_GROUP_ANNOTATION]: group } : {});

export function sandboxSpec(o: SandboxSpecInput): object {
  const ns = o.config.linux?.security_context?.namespace_options ?? {};
  const sc = o.config.linux?.security_context ?? {};
  const cfg = o.image.config ?? {};
  const hostNetwork = isNode(ns.network);
  const namespaces: { type: string; path?: string }[] = [{ type: 'mount' }, { type: 'uts' }];
  if (!isNode(ns.pid)) namespaces.push({ type: 'pid' });
  if (!isNode(ns.ipc)) namespaces.push({ type: 'ipc' });
  if (!hostNetwork) namespaces.push({ type: 'network', path: o.netns });
  const user = sc.run_as_user ? { uid: Number(sc.run_as_user.value), gid: Number(sc.run_as_group?.value ?? 0) } : parseUser(cfg.User);
  return {
    ociVersion: '1.1.0',
    process: {
      user,
      args: [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])],
      env: [DEFAULT_PATH, ...(cfg.Env ?? [])],
      cwd: '/',
      capabilities: { bounding: [...DEFAULT_CAPS], effective: [], permitted: [] },
      noNewPrivileges: true,
      oomScoreAdj: clampOom(SANDBOX_OOM_SCORE_ADJ, o.restrictOom),
    },
    root: { path: 'rootfs', readonly: true },
    hostname: hostNetwork ? undefined : o.config.hostname || undefined,
    mounts: baseMounts(true),
    linux: {
      cgroupsPath: o.cgroupsPath,
      namespaces,
      sysctl: o.config.linux?.sysctls ?? {},
      resources: { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 2 } },
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
      seccomp: seccompFor(sc.seccomp, sc.privileged),
    },
    // containerd's CRI annotations: the shim groups a pod's containers by sandbox id
    annotations: {
      ...(o.config.annotations ?? {}), 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': o.id,
      ...shimGroupAnnotation(o.shimGroup),
    },
  };
}

function parseUser(text: string | undefined): { uid: number; gid: number } {
  if (!text) return { uid: 0, gid: 0 };
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw invalidArg(`sandbox image user "${text}": only a numeric uid[:gid] is supported for a pod sandbox (set run_as_user)`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0) };
}

const PROPAGATION: Record<string, string> = {
  PROPAGATION_PRIVATE: 'rprivate', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared',
};

function deviceOf(d: Message) {
  let st: fs.Stats;
  try {
    st = fs.statSync(d.host_path);
  } catch (err) {
    throw invalidArg(`device ${d.host_path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalidArg(`device ${d.host_path} is not a device`);
  const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
  const type = st.isCharacterDevice() ? 'c' : 'b';
  return {
    device: { path: d.container_path || d.host_path, type, major, minor, fileMode: st.mode & 0o777, uid: 0, gid: 0 },
    rule: { allow: true, type, major, minor, access: d.permissions || 'rwm' },
  };
}

export interface ContainerSpecInput {
  sandboxId: string;
  config: Message;
  sandboxConfig: Message;
  image: ImageConfig;
  podDir: string;
  /** The pause process: its namespaces are joined through /proc/<pid>/ns. */
  pausePid: number;
  /** For NamespaceMode TARGET: the target container's init pid. */
  targetPid: number;
  cgroupsPath: string;
  restrictOom: boolean;
  /** The pod's shim group (SandboxSpecInput.shimGroup). */
  shimGroup?: string;
  /** Resolved against the image's /etc/passwd and /etc/group (container-user.ts). */
  user: ProcessUser;
}

export function containerSpec(o: ContainerSpecInput): object {
  const c = o.config;
  const sc = c.linux?.security_context ?? {};
  const podNs = o.sandboxConfig.linux?.security_context?.namespace_options ?? {};
  const ns = sc.namespace_options ?? {};
  const cfg = o.image.config ?? {};
  const privileged = Boolean(sc.privileged);
  if (privileged && !o.sandboxConfig.linux?.security_context?.privileged) {
    throw invalidArg('a privileged container needs a privileged pod sandbox');
  }
  const entry = c.command?.length ? c.command : cfg.Entrypoint ?? [];
  const args = [...entry, ...(c.args?.length ? c.args : c.command?.length ? [] : cfg.Cmd ?? [])];
  if (args.length === 0) throw invalidArg(`container ${c.metadata?.name}: no command (the image has no Entrypoint or Cmd and none was given)`);

  const join = (type: string) => ({ type, path: `/proc/${o.pausePid}/ns/${type === 'network' ? 'net' : type}` });
  const namespaces: { type: string; path?: string }[] = [{ type: 'mount' }];
  if (!isNode(podNs.network)) namespaces.push(join('network'));
  if (!isNode(podNs.ipc)) namespaces.push(join('ipc'));
  namespaces.push(isNode(podNs.network) ? { type: 'uts' } : join('uts'));
  const pidMode = ns.pid ?? 'CONTAINER';
  if (pidMode === 'POD') namespaces.push(join('pid'));
  else if (pidMode === 'TARGET') namespaces.push({ type: 'pid', path: `/proc/${o.targetPid}/ns/pid` });
  else if (pidMode !== 'NODE') namespaces.push({ type: 'pid' });

  let caps = privileged ? [...ALL_CAPS] : [...DEFAULT_CAPS];
  const capName = (n: string) => (n.startsWith('CAP_') ? n : `CAP_${n}`).toUpperCase();
  const addCaps: string[] = (sc.capabilities?.add_capabilities ?? []).map(capName);
  const dropCaps: string[] = (sc.capabilities?.drop_capabilities ?? []).map(capName);
  // as containerd: drops first (ALL empties the set), then adds (ALL fills it)
  caps = dropCaps.includes('CAP_ALL') ? [] : caps.filter((x) => !dropCaps.includes(x));
  if (addCaps.includes('CAP_ALL')) caps = [...ALL_CAPS];
  else caps.push(...addCaps.filter((a) => !caps.includes(a)));

  const mounts: Message[] = baseMounts(!privileged);
  const etc: [string, string][] = [['/etc/hosts', 'hosts'], ['/etc/hostname', 'hostname'], ['/etc/resolv.conf', 'resolv.conf']];
  for (const [dest, file] of etc) {
    if ((c.mounts ?? []).some((m: Message) => m.container_path === dest)) continue;
    mounts.push({ destination: dest, type: 'bind', source: `${o.podDir}/${file}`, options: ['rbind', 'rprivate', 'rw'] });
  }
  for (const m of c.mounts ?? []) {
    if (!m.container_path?.startsWith('/')) throw invalidArg(`mount container_path "${m.container_path}" must be absolute`);
    if (!m.host_path?.startsWith('/')) throw invalidArg(`mount host_path "${m.host_path}" must be absolute`);
    if (!fs.existsSync(m.host_path)) fs.mkdirSync(m.host_path, { recursive: true });
    const propagation = PROPAGATION[m.propagation ?? 'PROPAGATION_PRIVATE'] ?? 'rprivate';
    mounts.push({ destination: m.container_path, type: 'bind', source: m.host_path, options: ['rbind', propagation, m.readonly ? 'ro' : 'rw'] });
  }
  const devices = (c.devices ?? []).map(deviceOf);
  const res = c.linux?.resources ?? {};
  const resources: Message = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }, ...devices.map((d: Message) => d.rule)],
    ...ociResources(res),
  };

  const env = new Map<string, string>();
  for (const e of [DEFAULT_PATH, ...(cfg.Env ?? [])]) env.set(e.split('=')[0], e);
  if (o.sandboxConfig.hostname) env.set('HOSTNAME', `HOSTNAME=${o.sandboxConfig.hostname}`);
  for (const kv of c.envs ?? []) env.set(kv.key, `${kv.key}=${kv.value}`);
  return {
    ociVersion: '1.1.0',
    process: {
      terminal: Boolean(c.tty),
      user: o.user,
      args,
      env: [...env.values()],
      cwd: c.working_dir || cfg.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: Boolean(sc.no_new_privs),
      oomScoreAdj: clampOom(Number(res.oom_score_adj ?? 0), o.restrictOom),
    },
    root: { path: 'rootfs', readonly: Boolean(sc.readonly_rootfs) },
    mounts,
    linux: {
      cgroupsPath: o.cgroupsPath,
      namespaces,
      devices: devices.map((d: Message) => d.device),
      resources,
      maskedPaths: privileged ? [] : sc.masked_paths?.length ? sc.masked_paths : MASKED,
      readonlyPaths: privileged ? [] : sc.readonly_paths?.length ? sc.readonly_paths : READONLY,
      seccomp: seccompFor(sc.seccomp, privileged),
    },
    annotations: {
      ...(c.annotations ?? {}), 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': o.sandboxId,
      ...shimGroupAnnotation(o.shimGroup),
    },
  };
}

/** CRI's LinuxContainerResources (memory and cpu) as the runtime-spec's linux.resources. */
export function ociResources(r: Message): Message {
  const resources: Message = {};
  if (r.memory_limit_in_bytes) resources.memory = { limit: Number(r.memory_limit_in_bytes) };
  const cpu: Message = {};
  if (r.cpu_shares) cpu.shares = Number(r.cpu_shares);
  if (r.cpu_quota) cpu.quota = Number(r.cpu_quota);
  if (r.cpu_period) cpu.period = Number(r.cpu_period);
  if (r.cpuset_cpus) cpu.cpus = r.cpuset_cpus;
  if (r.cpuset_mems) cpu.mems = r.cpuset_mems;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  return resources;
}
