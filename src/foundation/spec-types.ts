// TypeScript shapes of the OCI runtime-spec v1.3.0 documents runts reads, after validation.
// They mirror schemas/*.json; fields the schemas require are required here. Field names and
// meanings follow config.md, config-linux.md and runtime.md; comments only say what is not obvious.

/** config.json. */
export interface Spec {
  /** SemVer of the runtime-spec the bundle follows; runts accepts 1.0.0 to 1.3.x. */
  ociVersion: string;
  /** Present after validateConfig (REQUIRED on Linux); optional here so partial specs type-check. */
  root?: Root;
  mounts?: Mount[];
  /** REQUIRED when the container is started; optional for create-only tooling. */
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

export interface Root {
  /** Relative to the bundle directory, or absolute. Never empty. */
  path: string;
  readonly?: boolean;
}

export interface Mount {
  /** Absolute path inside the container. */
  destination: string;
  source?: string;
  /** Filesystem type for mount(2), e.g. proc, tmpfs, bind (also via the bind/rbind options). */
  type?: string;
  options?: string[];
  /** Id-mapped mount (with the idmap/ridmap option); always given together with gidMappings. */
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

export interface Hook {
  /** Absolute path of the executable. */
  path: string;
  /** argv, including argv[0]. */
  args?: string[];
  env?: string[];
  /** Seconds before the hook is killed (>= 1). */
  timeout?: number;
}

export interface Hooks {
  /** Deprecated: runs in the runtime namespace after createRuntime. */
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

/** Width and height of the console, in characters. */
export interface Box {
  height: number;
  width: number;
}

/** The container process (config.json `process`, or the file given to `exec --process`). */
export interface Process {
  terminal?: boolean;
  /** Ignored unless terminal is true. */
  consoleSize?: Box;
  user: User;
  /** At least one entry; args[0] is looked up like execvp's file. */
  args: string[];
  /** Windows only; ignored on Linux. */
  commandLine?: string;
  env?: string[];
  /** Absolute path. */
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  /** -1000..1000; left unchanged when absent. */
  oomScoreAdj?: number;
  selinuxLabel?: string;
  scheduler?: Scheduler;
  ioPriority?: IOPriority;
  /** Affinity while an exec'd process joins the container; never applied to init. */
  execCPUAffinity?: CPUAffinity;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only; ignored on Linux. */
  username?: string;
}

export type CapabilitySet = 'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient';
/** Capability names (CAP_*) per set. */
export type LinuxCapabilities = Partial<Record<CapabilitySet, string[]>>;

export type RlimitType =
  | 'RLIMIT_AS'
  | 'RLIMIT_CORE'
  | 'RLIMIT_CPU'
  | 'RLIMIT_DATA'
  | 'RLIMIT_FSIZE'
  | 'RLIMIT_LOCKS'
  | 'RLIMIT_MEMLOCK'
  | 'RLIMIT_MSGQUEUE'
  | 'RLIMIT_NICE'
  | 'RLIMIT_NOFILE'
  | 'RLIMIT_NPROC'
  | 'RLIMIT_RSS'
  | 'RLIMIT_RTPRIO'
  | 'RLIMIT_RTTIME'
  | 'RLIMIT_SIGPENDING'
  | 'RLIMIT_STACK';

/** One setrlimit(2) call. Values are uint64; RLIM_INFINITY arrives as 2**64 (JSON numbers are doubles). */
export interface POSIXRlimit {
  type: RlimitType;
  soft: number;
  hard: number;
}
/** Alias kept for readers who know the Go name `Rlimit`. */
export type Rlimit = POSIXRlimit;

export type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

export type SchedulerFlag =
  | 'SCHED_FLAG_RESET_ON_FORK'
  | 'SCHED_FLAG_RECLAIM'
  | 'SCHED_FLAG_DL_OVERRUN'
  | 'SCHED_FLAG_KEEP_POLICY'
  | 'SCHED_FLAG_KEEP_PARAMS'
  | 'SCHED_FLAG_UTIL_CLAMP_MIN'
  | 'SCHED_FLAG_UTIL_CLAMP_MAX';

/** sched_setattr(2) attributes; runtime/deadline/period are nanoseconds (SCHED_DEADLINE). */
export interface Scheduler {
  policy: SchedulerPolicy;
  nice?: number;
  priority?: number;
  flags?: SchedulerFlag[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface IOPriority {
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  /** 0 (highest) to 7 (lowest). */
  priority: number;
}

/** CPU lists such as "0-3,7". */
export interface CPUAffinity {
  initial?: string;
  final?: string;
}

/** The `linux` object of config.json. */
export interface Linux {
  namespaces?: LinuxNamespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  /** Only with a new time namespace. */
  timeOffsets?: Partial<Record<'boottime' | 'monotonic', LinuxTimeOffset>>;
  devices?: LinuxDevice[];
  /** Host interface name -> settings in the container's network namespace. */
  netDevices?: Record<string, LinuxNetDevice>;
  /** Absolute cgroup path, or slice:prefix:name for the systemd driver. */
  cgroupsPath?: string;
  resources?: LinuxResources;
  /** The spec's four values plus runc's recursive forms (rslave from Docker and CRI). */
  rootfsPropagation?: 'private' | 'shared' | 'slave' | 'unbindable' | 'rprivate' | 'rshared' | 'rslave' | 'runbindable';
  seccomp?: Seccomp;
  /** Only keys whose namespace the container unshares (runc's rule). */
  sysctl?: Record<string, string>;
  /** Absolute paths masked in the container (need a mount namespace). */
  maskedPaths?: string[];
  /** Absolute paths made read-only in the container (need a mount namespace). */
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: LinuxIntelRdt;
  memoryPolicy?: LinuxMemoryPolicy;
  personality?: LinuxPersonality;
}

export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** Without `path` a new namespace is created; with it, the namespace at that absolute path is joined. */
export interface LinuxNamespace {
  type: LinuxNamespaceType;
  path?: string;
}

export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface LinuxTimeOffset {
  secs?: number;
  nanosecs?: number;
}

/** A device node created in the container: c(har), b(lock), u(nbuffered char) or p (fifo). */
export interface LinuxDevice {
  type: 'c' | 'b' | 'u' | 'p';
  /** Absolute path inside the container. */
  path: string;
  /** Required unless type is p. */
  major?: number;
  minor?: number;
  /** Permission bits, in decimal (438 = 0666). */
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxNetDevice {
  /** Name inside the container; defaults to the host name. */
  name?: string;
}

/**
 * cgroup settings (config.json linux.resources, and `runts update --resources`).
 * A type alias, not an interface, so it also fits code that treats resources as a plain record.
 */
export type LinuxResources = {
  /** Device cgroup rules, applied in order. */
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  /** RDMA device name -> limits. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 file name -> value, written verbatim. */
  unified?: Record<string, string>;
};

export interface LinuxDeviceCgroup {
  allow: boolean;
  /** a (all), c or b; absent means all. */
  type?: 'a' | 'c' | 'b';
  /** Absent or -1 means any. */
  major?: number;
  minor?: number;
  /** Any of r, w, m. */
  access?: string;
}

/** Bytes, with -1 meaning unlimited where the kernel allows it. */
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  /** Deprecated kernel memory limit. */
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

/** Periods and runtimes in microseconds. */
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface LinuxPids {
  /** 0 or -1 means unlimited. */
  limit: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** At least one of weight and leafWeight is set. */
export interface LinuxWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface LinuxThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface LinuxHugepageLimit {
  /** e.g. 2MB, 1GB. */
  pageSize: string;
  limit: number;
}

export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}

export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}

/** At least one of the two is set. */
export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompArch =
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_AARCH64'
  | 'SCMP_ARCH_LOONGARCH64'
  | 'SCMP_ARCH_M68K'
  | 'SCMP_ARCH_MIPS'
  | 'SCMP_ARCH_MIPS64'
  | 'SCMP_ARCH_MIPS64N32'
  | 'SCMP_ARCH_MIPSEL'
  | 'SCMP_ARCH_MIPSEL64'
  | 'SCMP_ARCH_MIPSEL64N32'
  | 'SCMP_ARCH_PPC'
  | 'SCMP_ARCH_PPC64'
  | 'SCMP_ARCH_PPC64LE'
  | 'SCMP_ARCH_S390'
  | 'SCMP_ARCH_S390X'
  | 'SCMP_ARCH_SH'
  | 'SCMP_ARCH_SHEB'
  | 'SCMP_ARCH_PARISC'
  | 'SCMP_ARCH_PARISC64'
  | 'SCMP_ARCH_RISCV64';

export type SeccompFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC'
  | 'SECCOMP_FILTER_FLAG_LOG'
  | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'
  | 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface Seccomp {
  defaultAction: SeccompAction;
  /** Only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE. */
  defaultErrnoRet?: number;
  architectures?: SeccompArch[];
  flags?: SeccompFlag[];
  /** Unix socket of the seccomp agent; required when SCMP_ACT_NOTIFY is used. */
  listenerPath?: string;
  /** Opaque data for the agent; only with listenerPath. */
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  /** Only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE. */
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  /** Argument index, 0..5. */
  index: number;
  value: number;
  /** Second operand of SCMP_CMP_MASKED_EQ. */
  valueTwo?: number;
  op: SeccompOperator;
}

/** Resource Director Technology (resctrl) settings. */
export interface LinuxIntelRdt {
  closID?: string;
  /** Lines written to the schemata file, after l3CacheSchema and memBwSchema. */
  schemata?: string[];
  l3CacheSchema?: string;
  /** Starts with "MB:". */
  memBwSchema?: string;
  enableMonitoring?: boolean;
  /** Before 1.3.0; superseded by enableMonitoring. */
  enableCMT?: boolean;
  /** Before 1.3.0; superseded by enableMonitoring. */
  enableMBM?: boolean;
}

/** set_mempolicy(2) for the container. */
export interface LinuxMemoryPolicy {
  mode:
    | 'MPOL_DEFAULT'
    | 'MPOL_BIND'
    | 'MPOL_INTERLEAVE'
    | 'MPOL_WEIGHTED_INTERLEAVE'
    | 'MPOL_PREFERRED'
    | 'MPOL_PREFERRED_MANY'
    | 'MPOL_LOCAL';
  /** NUMA node list such as "0-3,7". */
  nodes?: string;
  flags?: ('MPOL_F_NUMA_BALANCING' | 'MPOL_F_RELATIVE_NODES' | 'MPOL_F_STATIC_NODES')[];
}

/** personality(2) execution domain. */
export interface LinuxPersonality {
  domain: 'LINUX' | 'LINUX32';
  flags?: string[];
}

export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

/** The state of a container (runtime.md), with runc's extra fields. */
export interface State {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** Required when created, running or paused. */
  pid?: number;
  /** Absolute path of the bundle. */
  bundle: string;
  annotations?: Record<string, string>;
  /** runc: absolute path of the root filesystem. */
  rootfs?: string;
  /** runc: RFC 3339 creation time. */
  created?: string;
  /** runc: owner name. */
  owner?: string;
}
