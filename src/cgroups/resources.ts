// The `linux.resources` types the cgroup library consumes: the OCI runtime-spec types, defined
// once in the foundation (src/foundation/spec-types.ts).
export type {
  LinuxBlockIO, LinuxCPU, LinuxDeviceCgroup, LinuxHugepageLimit, LinuxInterfacePriority, LinuxMemory, LinuxNetwork,
  LinuxPids, LinuxRdma, LinuxResources, LinuxThrottleDevice, LinuxWeightDevice,
} from '../foundation/spec-types';
