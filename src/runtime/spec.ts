// The OCI runtime-spec types the runtime reads (a subset; validation owns the full schema).
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}
export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: Partial<Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>>;
  rlimits?: { type: string; soft: number; hard: number }[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
  selinuxLabel?: string;
}
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}
export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}
export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}
export interface LinuxDevice {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}
export interface Linux {
  namespaces?: { type: string; path?: string }[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>;
  devices?: LinuxDevice[];
  cgroupsPath?: string;
  resources?: Record<string, unknown> & { devices?: unknown[] };
  rootfsPropagation?: string;
  seccomp?: unknown;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: { domain: string; flags?: string[] };
}
