// Checks `linux.resources` before any cgroup is touched: every invalid or unsupported value is
// one RuntsError('invalid') naming the field, the value and the rule.
import { invalid } from '../foundation/errors';
import { normaliseDeviceRule } from './devices';
import { parseCpuList } from './parse';
import type { LinuxResources, LinuxThrottleDevice, LinuxWeightDevice } from './resources';

export type ResourceVersion = 'v1' | 'v2';

const P = 'linux.resources';

function int(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(`${P}.${field}: ${JSON.stringify(value)} is not an integer`);
  }
  return value;
}

function atLeast(value: unknown, min: number, field: string, why = ''): number | undefined {
  const n = int(value, field);
  if (n !== undefined && n < min) throw invalid(`${P}.${field}: ${n} is below the minimum ${min}${why}`);
  return n;
}

function inRange(value: unknown, lo: number, hi: number, field: string, unit = ''): number | undefined {
  const n = int(value, field);
  if (n !== undefined && n !== 0 && (n < lo || n > hi)) {
    throw invalid(`${P}.${field}: ${n} is out of range, it must be between ${lo} and ${hi}${unit} (or 0 for unset)`);
  }
  return n;
}

/** A limit where -1 means unlimited and 0 means unset. */
function limit(value: unknown, field: string): number | undefined {
  const n = int(value, field);
  if (n !== undefined && n < -1) throw invalid(`${P}.${field}: ${n} must be -1 (unlimited), 0 (unset) or a positive number`);
  return n;
}

function unsupportedOnV2(field: string): never {
  throw invalid(`${P}.${field} is not supported on cgroup v2 (it has no v2 equivalent)`);
}

function checkDevice(d: LinuxWeightDevice | LinuxThrottleDevice, field: string): void {
  atLeast(d.major, 0, `${field}.major`);
  atLeast(d.minor, 0, `${field}.minor`);
}

function validateMemory(r: LinuxResources, v: ResourceVersion): void {
  const m = r.memory;
  if (!m) return;
  const lim = limit(m.limit, 'memory.limit') ?? 0;
  limit(m.reservation, 'memory.reservation');
  const swap = limit(m.swap, 'memory.swap') ?? 0;
  if (swap > 0) {
    if (lim === 0 || lim === -1) {
      throw invalid(`${P}.memory.swap: ${swap} needs a memory.limit (swap counts memory+swap, so a swap limit without a memory limit is meaningless)`);
    }
    if (swap < lim) {
      throw invalid(`${P}.memory.swap: ${swap} is below memory.limit ${lim} (memory.swap counts memory+swap and must be >= memory.limit)`);
    }
  }
  limit(m.kernel, 'memory.kernel');
  limit(m.kernelTCP, 'memory.kernelTCP');
  const swappiness = int(m.swappiness, 'memory.swappiness');
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw invalid(`${P}.memory.swappiness: ${swappiness} is out of range, it must be between 0 and 100`);
  }
  if (v === 'v2') {
    if (m.kernelTCP) unsupportedOnV2('memory.kernelTCP');
    if (swappiness !== undefined && swappiness !== -1) unsupportedOnV2('memory.swappiness');
    if (m.disableOOMKiller) unsupportedOnV2('memory.disableOOMKiller');
  }
  if (m.useHierarchy === false) {
    throw invalid(`${P}.memory.useHierarchy: false is not supported: this kernel always accounts memory hierarchically`);
  }
}

function validateCpu(r: LinuxResources, v: ResourceVersion): void {
  const c = r.cpu;
  if (!c) return;
  inRange(c.shares, 2, 262144, 'cpu.shares');
  const quota = int(c.quota, 'cpu.quota');
  if (quota !== undefined && quota !== 0 && quota !== -1 && quota < 1000) {
    throw invalid(`${P}.cpu.quota: ${quota} is below the kernel's minimum of 1000 microseconds (use -1 for no limit)`);
  }
  inRange(c.period, 1000, 1000000, 'cpu.period', ' microseconds');
  const burst = atLeast(c.burst, 0, 'cpu.burst');
  if (burst && (quota === undefined || quota <= 0)) {
    throw invalid(`${P}.cpu.burst: ${burst} needs a cpu.quota (a burst is extra quota)`);
  }
  if (burst && quota && burst > quota) {
    throw invalid(`${P}.cpu.burst: ${burst} exceeds cpu.quota ${quota}`);
  }
  const rtRuntime = int(c.realtimeRuntime, 'cpu.realtimeRuntime');
  if (rtRuntime !== undefined && rtRuntime < -1) {
    throw invalid(`${P}.cpu.realtimeRuntime: ${rtRuntime} must be -1 (unlimited) or >= 0`);
  }
  const rtPeriod = atLeast(c.realtimePeriod, 0, 'cpu.realtimePeriod');
  if (v === 'v2' && (rtRuntime || rtPeriod)) unsupportedOnV2('cpu.realtimeRuntime/realtimePeriod');
  for (const key of ['cpus', 'mems'] as const) {
    const list = c[key];
    if (list === undefined) continue;
    if (typeof list !== 'string' || parseCpuList(list) === undefined) {
      throw invalid(`${P}.cpu.${key}: ${JSON.stringify(list)} is not a list like "0-3,6"`);
    }
  }
  const idle = int(c.idle, 'cpu.idle');
  if (idle !== undefined && idle !== 0 && idle !== 1) throw invalid(`${P}.cpu.idle: ${idle} must be 0 or 1`);
}

function validateBlockIO(r: LinuxResources, v: ResourceVersion): void {
  const b = r.blockIO;
  if (!b) return;
  inRange(b.weight, 10, 1000, 'blockIO.weight');
  inRange(b.leafWeight, 10, 1000, 'blockIO.leafWeight');
  if (v === 'v2' && b.leafWeight) unsupportedOnV2('blockIO.leafWeight');
  (b.weightDevice ?? []).forEach((d, i) => {
    const f = `blockIO.weightDevice[${i}]`;
    checkDevice(d, f);
    inRange(d.weight, 10, 1000, `${f}.weight`);
    inRange(d.leafWeight, 10, 1000, `${f}.leafWeight`);
    if (v === 'v2' && d.leafWeight) unsupportedOnV2(`${f}.leafWeight`);
  });
  for (const key of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    (b[key] ?? []).forEach((d, i) => {
      const f = `blockIO.${key}[${i}]`;
      checkDevice(d, f);
      atLeast(d.rate, 0, `${f}.rate`);
    });
  }
}

function validateUnified(r: LinuxResources, v: ResourceVersion): void {
  if (!r.unified || Object.keys(r.unified).length === 0) return;
  if (v === 'v1') throw invalid(`${P}.unified needs cgroup v2, but this host uses cgroup v1 controllers`);
  for (const [key, value] of Object.entries(r.unified)) {
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) {
      throw invalid(`${P}.unified: key ${JSON.stringify(key)} must be a cgroup file name of the form CONTROLLER.PARAMETER`);
    }
    if (typeof value !== 'string') throw invalid(`${P}.unified.${key}: value must be a string`);
  }
}

/** Throws RuntsError('invalid') for the first invalid or unsupported value. */
export function validateResources(r: LinuxResources | undefined, v: ResourceVersion): void {
  if (!r) return;
  validateMemory(r, v);
  validateCpu(r, v);
  if (r.pids) int(r.pids.limit, 'pids.limit');
  validateBlockIO(r, v);
  (r.hugepageLimits ?? []).forEach((h, i) => {
    if (typeof h.pageSize !== 'string' || !/^\d+[KMGT]B$/.test(h.pageSize)) {
      throw invalid(`${P}.hugepageLimits[${i}].pageSize: ${JSON.stringify(h.pageSize)} must be a size like "2MB" or "1GB"`);
    }
    limit(h.limit, `hugepageLimits[${i}].limit`);
  });
  if (r.network) {
    if (v === 'v2' && (r.network.classID !== undefined || (r.network.priorities ?? []).length > 0)) unsupportedOnV2('network');
    const id = atLeast(r.network.classID, 0, 'network.classID');
    if (id !== undefined && id > 0xffffffff) throw invalid(`${P}.network.classID: ${id} does not fit in 32 bits`);
    (r.network.priorities ?? []).forEach((p, i) => {
      if (typeof p.name !== 'string' || !/^[^\s/]+$/.test(p.name)) {
        throw invalid(`${P}.network.priorities[${i}].name: ${JSON.stringify(p.name)} is not an interface name`);
      }
      atLeast(p.priority, 0, `network.priorities[${i}].priority`);
    });
  }
  for (const [dev, lim] of Object.entries(r.rdma ?? {})) {
    if (!/^[^\s/]+$/.test(dev)) throw invalid(`${P}.rdma: ${JSON.stringify(dev)} is not an RDMA device name`);
    atLeast(lim.hcaHandles, 0, `rdma.${dev}.hcaHandles`);
    atLeast(lim.hcaObjects, 0, `rdma.${dev}.hcaObjects`);
  }
  validateUnified(r, v);
  (r.devices ?? []).forEach((d, i) => normaliseDeviceRule(d, i));
}
