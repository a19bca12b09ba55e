import { validateResources } from '../../../src/cgroups/validate';
import type { LinuxResources } from '../../../src/cgroups/resources';
import { RuntsError } from '../../../src/foundation/errors';

function errorOf(r: LinuxResources, v: 'v1' | 'v2' = 'v1'): RuntsError {
  try {
    validateResources(r, v);
  } catch (e) {
    return e as RuntsError;
  }
  throw new Error('expected validateResources to throw');
}

describe('validateResources', () => {
  const bad: [string, LinuxResources, 'v1' | 'v2', RegExp][] = [
    ['cpu quota below 1000us', { cpu: { quota: 999 } }, 'v1', /cpu\.quota: 999 is below the kernel's minimum of 1000 microseconds/],
    ['cpu period too large', { cpu: { period: 2000000 } }, 'v1', /cpu\.period: 2000000 is out of range, it must be between 1000 and 1000000/],
    ['cpu shares too big', { cpu: { shares: 300000 } }, 'v2', /cpu\.shares: 300000 is out of range/],
    ['bad cpus list', { cpu: { cpus: '0-a' } }, 'v1', /cpu\.cpus: "0-a" is not a list like "0-3,6"/],
    ['reversed cpus range', { cpu: { cpus: '3-1' } }, 'v1', /cpu\.cpus/],
    ['bad mems list', { cpu: { mems: 'x' } }, 'v2', /cpu\.mems/],
    ['cpu idle 2', { cpu: { idle: 2 } }, 'v2', /cpu\.idle: 2 must be 0 or 1/],
    ['burst without quota', { cpu: { burst: 1000 } }, 'v2', /cpu\.burst: 1000 needs a cpu\.quota/],
    ['realtime on v2', { cpu: { realtimeRuntime: 1000 } }, 'v2', /not supported on cgroup v2/],
    ['swap below memory limit', { memory: { limit: 2000000, swap: 1000000 } }, 'v1', /memory\.swap: 1000000 is below memory\.limit 2000000/],
    ['swap without limit', { memory: { swap: 1000000 } }, 'v2', /memory\.swap: 1000000 needs a memory\.limit/],
    ['negative memory limit', { memory: { limit: -5 } }, 'v1', /memory\.limit: -5 must be -1 \(unlimited\)/],
    ['fractional memory limit', { memory: { limit: 1.5 } }, 'v1', /memory\.limit: 1\.5 is not an integer/],
    ['swappiness 101', { memory: { swappiness: 101 } }, 'v1', /memory\.swappiness: 101 is out of range/],
    ['swappiness on v2', { memory: { swappiness: 10 } }, 'v2', /memory\.swappiness is not supported on cgroup v2/],
    ['oom killer on v2', { memory: { disableOOMKiller: true } }, 'v2', /disableOOMKiller is not supported on cgroup v2/],
    ['useHierarchy false', { memory: { useHierarchy: false } }, 'v1', /useHierarchy: false is not supported/],
    ['blkio weight 5', { blockIO: { weight: 5 } }, 'v1', /blockIO\.weight: 5 is out of range, it must be between 10 and 1000/],
    ['negative major', { blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } }, 'v2', /throttleReadBpsDevice\[0\]\.major: -1 is below the minimum 0/],
    ['negative rate', { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: -1 }] } }, 'v2', /throttleWriteIOPSDevice\[0\]\.rate/],
    ['leafWeight on v2', { blockIO: { leafWeight: 100 } }, 'v2', /leafWeight is not supported on cgroup v2/],
    ['bad hugepage size', { hugepageLimits: [{ pageSize: '2M', limit: 1 }] }, 'v1', /hugepageLimits\[0\]\.pageSize: "2M" must be a size like "2MB"/],
    ['classID on v2', { network: { classID: 1 } }, 'v2', /network is not supported on cgroup v2/],
    ['classID too big', { network: { classID: 2 ** 33 } }, 'v1', /does not fit in 32 bits/],
    ['unified on v1', { unified: { 'memory.high': '1' } }, 'v1', /unified needs cgroup v2/],
    ['unified key with slash', { unified: { '../memory.max': '1' } }, 'v2', /must be a cgroup file name of the form CONTROLLER\.PARAMETER/],
    ['device bad type', { devices: [{ allow: true, type: 'x' }] }, 'v1', /devices\[0\]: type "x" must be one of a \(all\), c \(char\), b \(block\)/],
    ['device bad access', { devices: [{ allow: false, access: 'rx' }] }, 'v2', /devices\[0\]: access "rx"/],
    ['device bad major', { devices: [{ allow: true, type: 'c', major: -7 }] }, 'v1', /devices\[0\]: major -7/],
  ];

  it.each(bad)('%s', (_name, r, v, message) => {
    const e = errorOf(r, v);
    expect(e).toBeInstanceOf(RuntsError);
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/^linux\.resources\./);
    expect(e.message).toMatch(message);
  });

  it('accepts a full valid set', () => {
    const ok: LinuxResources = {
      memory: { limit: 104857600, reservation: 52428800, swap: 209715200, swappiness: 0, disableOOMKiller: false },
      cpu: { shares: 512, quota: 50000, period: 100000, burst: 10000, cpus: '0-1', mems: '0', realtimePeriod: 1000000, realtimeRuntime: -1 },
      pids: { limit: 64 },
      blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
      network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
    };
    expect(() => validateResources(ok, 'v1')).not.toThrow();
    expect(() => validateResources({ unified: { 'memory.high': '1000000' }, cpu: { quota: -1 } }, 'v2')).not.toThrow();
  });
});
