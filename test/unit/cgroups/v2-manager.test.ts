import { openCgroup } from '../../../src/cgroups';
import type { DeviceProgram } from '../../../src/cgroups';
import { RuntsError } from '../../../src/foundation/errors';
import { FakeCgroupFs } from './fake-cgroupfs';

const ALL = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'];
const own = new Map([['', '/system.slice/runts.service']]);

describe('v2 manager against a fake cgroupfs', () => {
  let fake: FakeCgroupFs;
  afterEach(() => fake.cleanup());

  function open(path: string, controllers = ALL, extra: { setDeviceProgram?: (dir: string, p: DeviceProgram) => void } = {}) {
    fake = FakeCgroupFs.v2(controllers);
    return openCgroup({ path, layout: 'v2', root: fake.root, fs: fake, own, ...extra });
  }

  it('resolves absolute paths from the root and relative ones from its own cgroup', () => {
    expect(open('/a/b').paths).toEqual({ unified: `${fake.root}/a/b` });
    fake.cleanup();
    expect(open('ctr1').paths).toEqual({ unified: `${fake.root}/system.slice/runts.service/ctr1` });
  });

  it('enables every available controller in each ancestor, not in the leaf', () => {
    const m = open('/runts/ctr');
    m.create();
    expect(fake.writesTo('cgroup.subtree_control')).toEqual(['+cpuset +cpu +io +memory +hugetlb +pids +rdma']);
    expect(fake.writesTo('runts/cgroup.subtree_control')).toEqual(['+cpuset +cpu +io +memory +hugetlb +pids +rdma']);
    expect(fake.writesTo('runts/ctr/cgroup.subtree_control')).toEqual([]);
    expect(fake.get('runts/ctr/cgroup.controllers').trim()).toBe(ALL.join(' '));
    // Creating again is harmless and enables nothing twice.
    m.create();
    expect(fake.writesTo('cgroup.subtree_control')).toHaveLength(1);
  });

  it('writes memory with runc swap arithmetic (swap.max before max)', () => {
    const m = open('/c');
    m.create();
    m.applyResources({ memory: { limit: 100 * 1024 * 1024, swap: 300 * 1024 * 1024, reservation: 50 * 1024 * 1024 } });
    const memWrites = fake.writes.filter((w) => w.file.startsWith('c/memory.')).map((w) => [w.file, w.data]);
    expect(memWrites).toEqual([
      ['c/memory.swap.max', String(200 * 1024 * 1024)],
      ['c/memory.max', String(100 * 1024 * 1024)],
      ['c/memory.low', String(50 * 1024 * 1024)],
    ]);
  });

  it('swap equal to the limit disables swap; -1 means max', () => {
    const m = open('/c');
    m.create();
    m.applyResources({ memory: { limit: 1000000, swap: 1000000 } });
    expect(fake.get('c/memory.swap.max')).toBe('0');
    m.applyResources({ memory: { limit: -1 } });
    expect(fake.get('c/memory.swap.max')).toBe('max');
    expect(fake.get('c/memory.max')).toBe('max');
  });

  it('refuses a memory limit below usage when checkBeforeUpdate is set', () => {
    const m = open('/c');
    m.create();
    fake.set('c/memory.current', '5000000');
    expect(() => m.applyResources({ memory: { limit: 4000000, checkBeforeUpdate: true } })).toThrow(/below the current usage 5000000/);
    m.applyResources({ memory: { limit: 6000000, checkBeforeUpdate: true } });
    expect(fake.get('c/memory.max')).toBe('6000000');
  });

  it('writes cpu.weight from shares, cpu.max, burst and idle', () => {
    const m = open('/c');
    m.create();
    m.applyResources({ cpu: { shares: 1024, quota: 50000, period: 100000, burst: 20000, idle: 0 } });
    expect(fake.get('c/cpu.weight')).toBe('39');
    expect(fake.get('c/cpu.max')).toBe('50000 100000');
    expect(fake.get('c/cpu.max.burst')).toBe('20000');
    expect(fake.get('c/cpu.idle')).toBe('0');
    m.applyResources({ cpu: { quota: -1 } });
    expect(fake.get('c/cpu.max')).toBe('max');
    m.applyResources({ cpu: { period: 200000 } });
    expect(fake.get('c/cpu.max')).toBe('max 200000');
  });

  it('writes io.weight (converted) and one io.max line per throttle', () => {
    const m = open('/c');
    m.create();
    m.applyResources({
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 8, minor: 0, weight: 10 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2097152 }],
        throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 200 }],
      },
    });
    expect(fake.writesTo('c/io.weight')).toEqual(['4950', '8:0 1']);
    expect(fake.writesTo('c/io.max')).toEqual(['8:0 rbps=1048576', '8:16 wbps=2097152', '8:0 riops=100', '8:0 wiops=200']);
  });

  it('uses io.bfq.weight unconverted when BFQ is present', () => {
    const m = open('/c');
    m.create();
    fake.set('c/io.bfq.weight', 'default 100');
    m.applyResources({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }] } });
    expect(fake.writesTo('c/io.bfq.weight')).toEqual(['500', '8:0 300']);
    expect(fake.writesTo('c/io.weight')).toEqual([]);
  });

  it('writes pids, cpuset, hugetlb, rdma, then unified keys last', () => {
    const m = open('/c');
    m.create();
    m.applyResources({
      pids: { limit: 64 },
      cpu: { cpus: '1', mems: '0' },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      rdma: { mlx5_0: { hcaHandles: 3 } },
      unified: { 'memory.max': '7777777', 'pids.max': '10' },
      memory: { limit: 1000000 },
    });
    expect(fake.get('c/pids.max')).toBe('10');
    expect(fake.writesTo('c/pids.max')).toEqual(['64', '10']);
    expect(fake.writesTo('c/memory.max')).toEqual(['1000000', '7777777']);
    expect(fake.get('c/cpuset.cpus')).toBe('1');
    expect(fake.get('c/cpuset.mems')).toBe('0');
    expect(fake.get('c/hugetlb.2MB.max')).toBe('4194304');
    expect(fake.get('c/rdma.max')).toBe('mlx5_0 hca_handle=3 hca_object=max');
    m.applyResources({ pids: { limit: -1 } });
    expect(fake.get('c/pids.max')).toBe('max');
  });

  it('names the missing controller before creating anything', () => {
    const m = open('/c', ['memory']);
    expect(() => m.validateResources({ pids: { limit: 5 } })).toThrow(/needs the pids cgroup controller/);
    expect(() => m.validateResources({ blockIO: { weight: 100 } })).toThrow(/needs the io cgroup controller/);
    expect(fake.exists(`${fake.root}/c`)).toBe(false);
    m.create();
    expect(() => m.applyResources({ unified: { 'io.weight': '5' } })).toThrow(/unified\.io\.weight cannot be set .*: the io controller is not available/);
  });

  it('passes device rules to the device-program hook as normalised data', () => {
    const loaded: [string, DeviceProgram][] = [];
    const m = open('/c', ALL, { setDeviceProgram: (dir, p) => loaded.push([dir, p]) });
    m.create();
    m.applyResources({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
    expect(loaded).toEqual([[`${fake.root}/c`, { defaultAllow: false, rules: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] }]]);
  });

  it('freezes and thaws through cgroup.freeze and reports the state', () => {
    const m = open('/c');
    m.create();
    expect(m.state()).toBe('thawed');
    m.freeze();
    expect(m.state()).toBe('frozen');
    m.thaw();
    expect(m.state()).toBe('thawed');
    expect(fake.writesTo('c/cgroup.freeze')).toEqual(['1', '0']);
  });

  it('kills with cgroup.kill, adds processes, lists pids of the subtree', () => {
    const m = open('/c');
    m.create();
    m.addProcess(4242);
    expect(fake.writesTo('c/cgroup.procs')).toEqual(['4242']);
    fake.set('c/cgroup.procs', '11\n12\n');
    fake.mkdir(`${fake.root}/c/sub`);
    fake.set('c/sub/cgroup.procs', '13\n');
    expect(m.pids().sort()).toEqual([11, 12, 13]);
    m.killAll(9);
    expect(fake.writesTo('c/cgroup.kill')).toEqual(['1']);
  });

  it('reads stats in runc shape', () => {
    const m = open('/c');
    m.create();
    fake.set('c/cpu.stat', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\nthrottled_usec 40\n');
    fake.set('c/memory.current', '4096');
    fake.set('c/memory.max', '1048576');
    fake.set('c/memory.swap.current', '100');
    fake.set('c/memory.swap.max', 'max');
    fake.set('c/memory.stat', 'anon 1024\nfile 2048\n');
    fake.set('c/memory.events', 'low 0\nhigh 0\nmax 5\noom 1\noom_kill 2\n');
    fake.set('c/pids.current', '3');
    fake.set('c/pids.max', '64');
    fake.set('c/io.stat', '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n');
    fake.set('c/hugetlb.2MB.current', '2097152');
    const s = m.stats();
    expect(s.cpu.usage).toMatchObject({ total: 1500000n, user: 1000000n, kernel: 500000n });
    expect(s.cpu.throttling).toEqual({ periods: 7n, throttledPeriods: 3n, throttledTime: 40000n });
    expect(s.memory.usage).toEqual({ usage: 4096n, limit: 1048576n, max: 0n, failcnt: 5n });
    expect(s.memory.swap).toEqual({ usage: 4196n, limit: (1n << 64n) - 1n, max: 0n, failcnt: 0n });
    expect(s.memory.cache).toBe(2048n);
    expect(s.memory.raw).toEqual({ anon: 1024n, file: 2048n });
    expect(s.pids).toEqual({ current: 3n, limit: 64n });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([
      { major: 8n, minor: 0n, op: 'Read', value: 10n },
      { major: 8n, minor: 0n, op: 'Write', value: 20n },
    ]);
    expect(s.hugetlb['2MB']).toEqual({ usage: 2097152n, max: 0n, failcnt: 0n });
    expect(m.oomKillCount()).toBe(2);
  });

  it('destroys the subtree and tolerates it being gone', () => {
    const m = open('/a/c');
    m.create();
    fake.mkdir(`${fake.root}/a/c/nested`);
    m.destroy();
    expect(fake.exists(`${fake.root}/a/c`)).toBe(false);
    expect(fake.exists(`${fake.root}/a`)).toBe(true);
    expect(() => m.destroy()).not.toThrow();
  });

  it('refuses paths that would name the root or climb out of it', () => {
    fake = FakeCgroupFs.v2(ALL);
    for (const bad of ['/', '', '/a/../..', 'x/../../y']) {
      expect(() => openCgroup({ path: bad, layout: 'v2', root: fake.root, fs: fake, own })).toThrow(RuntsError);
    }
    expect(() => openCgroup({ path: 'system.slice:runts:x', layout: 'v2', root: fake.root, fs: fake, own })).toThrow(/needs --systemd-cgroup/);
  });
});
