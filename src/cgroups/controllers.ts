// Which controllers a set of resources needs, so a missing controller is an error up front.
import type { LinuxResources } from './resources';

const set = (n: number | undefined) => n !== undefined && n !== 0;

/** Controller names (v1 names; v2 callers map blkio->io, net_* to none) that `r` writes to. */
export function requiredControllers(r: LinuxResources | undefined): string[] {
  if (!r) return [];
  const need = new Set<string>();
  const m = r.memory;
  if (m && (set(m.limit) || set(m.reservation) || set(m.swap) || set(m.kernelTCP) || m.disableOOMKiller || (m.swappiness !== undefined && m.swappiness !== -1))) {
    need.add('memory');
  }
  const c = r.cpu;
  if (c && (set(c.shares) || set(c.quota) || set(c.period) || set(c.burst) || set(c.realtimePeriod) || set(c.realtimeRuntime) || c.idle !== undefined)) {
    need.add('cpu');
  }
  if (c && (c.cpus !== undefined || c.mems !== undefined)) need.add('cpuset');
  if (r.pids && set(r.pids.limit)) need.add('pids');
  const b = r.blockIO;
  if (
    b &&
    (set(b.weight) ||
      set(b.leafWeight) ||
      [b.weightDevice, b.throttleReadBpsDevice, b.throttleWriteBpsDevice, b.throttleReadIOPSDevice, b.throttleWriteIOPSDevice].some((l) => (l ?? []).length > 0))
  ) {
    need.add('blkio');
  }
  if ((r.hugepageLimits ?? []).length > 0) need.add('hugetlb');
  if (r.network?.classID !== undefined) need.add('net_cls');
  if ((r.network?.priorities ?? []).length > 0) need.add('net_prio');
  if (Object.keys(r.rdma ?? {}).length > 0) need.add('rdma');
  if ((r.devices ?? []).length > 0) need.add('devices');
  return [...need];
}
