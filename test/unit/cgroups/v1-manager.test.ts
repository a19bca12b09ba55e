import * as fs from 'fs';
import * as path from 'path';
import { openCgroup } from '../../../src/cgroups';
import { FakeCgroupFs } from './fake-cgroupfs';

const HIERARCHIES = ['cpu,cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'hugetlb', 'net_cls', 'net_prio', 'systemd'];
const own = new Map([
  ['cpu', '/'],
  ['memory', '/sandbox'],
  ['', '/'],
]);

describe('v1 manager against a fake cgroupfs', () => {
  let fake: FakeCgroupFs;
  afterEach(() => fake.cleanup());

  function open(path: string, hierarchies = HIERARCHIES, unified = true) {
    fake = FakeCgroupFs.v1(hierarchies, { unified });
    return openCgroup({ path, layout: unified ? 'hybrid' : 'v1', root: fake.root, fs: fake, own });
  }

  it('maps every controller (co-mounted ones share a dir) and the unified hierarchy', () => {
    const m = open('/runts/c1');
    const r = fake.root;
    expect(m.paths).toMatchObject({
      cpu: `${r}/cpu,cpuacct/runts/c1`,
      cpuacct: `${r}/cpu,cpuacct/runts/c1`,
      memory: `${r}/memory/runts/c1`,
      systemd: `${r}/systemd/runts/c1`,
      unified: `${r}/unified/runts/c1`,
    });
    expect(m.layout).toBe('hybrid');
  });

  it('resolves a relative path against the runtime own cgroup per hierarchy', () => {
    const m = open('c1');
    expect(m.paths.memory).toBe(`${fake.root}/memory/sandbox/c1`);
    expect(m.paths.cpu).toBe(`${fake.root}/cpu,cpuacct/c1`);
  });

  it('creates every level, seeding new cpusets from their parent', () => {
    const m = open('/runts/c1');
    m.create();
    expect(fake.get('cpuset/runts/cpuset.cpus')).toBe('0-1');
    expect(fake.get('cpuset/runts/c1/cpuset.cpus')).toBe('0-1');
    expect(fake.get('cpuset/runts/c1/cpuset.mems')).toBe('0');
    for (const p of Object.values(m.paths)) expect(fake.exists(p)).toBe(true);
    m.applyResources({ cpu: { cpus: '1', mems: '0' } });
    expect(fake.get('cpuset/runts/c1/cpuset.cpus')).toBe('1');
  });

  it('joins the process in every hierarchy, the unified one included', () => {
    const m = open('/c1');
    m.create();
    m.addProcess(777);
    const joined = fake.writes.filter((w) => w.file.endsWith('cgroup.procs')).map((w) => w.file.split('/')[0]);
    expect(joined.sort()).toEqual([...HIERARCHIES, 'unified'].sort());
  });

  it('takes hierarchies from mountinfo: a stray directory on the cgroup tmpfs is neither joined nor written', () => {
    const m = open('/c1', HIERARCHIES.filter((h) => h !== 'hugetlb'));
    fs.mkdirSync(path.join(fake.root, 'hugetlb'));
    const again = openCgroup({ path: '/c1', layout: 'hybrid', root: fake.root, fs: fake, own });
    expect(again.paths.hugetlb).toBeUndefined();
    again.create();
    again.addProcess(777);
    expect(fs.readdirSync(path.join(fake.root, 'hugetlb'))).toEqual([]);
    expect(fake.writes.some((w) => w.file.startsWith('hugetlb/'))).toBe(false);
    expect(Object.keys(again.paths).sort()).toEqual(Object.keys(m.paths).sort());
  });

  it('orders memory and memsw writes so the kernel never sees limit > memsw', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({ memory: { limit: 100000000, swap: 200000000 } });
    // Growing from the (huge) default: limit first, then memsw.
    expect(fake.writes.filter((w) => w.file.startsWith('memory/')).map((w) => w.file.split('/').pop())).toEqual([
      'memory.limit_in_bytes',
      'memory.memsw.limit_in_bytes',
    ]);
    fake.writes.length = 0;
    m.applyResources({ memory: { limit: 300000000, swap: 400000000 } });
    // Current limit (1e8) below the new memsw: memsw first.
    expect(fake.writes.map((w) => w.file.split('/').pop())).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    expect(fake.get('memory/c1/memory.memsw.limit_in_bytes')).toBe('400000000');
  });

  it('unlimited memory with swap unset makes memsw unlimited too', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({ memory: { limit: -1 } });
    expect(fake.get('memory/c1/memory.memsw.limit_in_bytes')).toBe('-1');
    expect(fake.get('memory/c1/memory.limit_in_bytes')).toBe('-1');
  });

  it('writes the other memory knobs', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({ memory: { reservation: 1000, kernelTCP: 2000, disableOOMKiller: true, swappiness: 0, kernel: 123 } });
    expect(fake.get('memory/c1/memory.soft_limit_in_bytes')).toBe('1000');
    expect(fake.get('memory/c1/memory.kmem.tcp.limit_in_bytes')).toBe('2000');
    expect(fake.get('memory/c1/memory.oom_control')).toBe('1');
    expect(fake.get('memory/c1/memory.swappiness')).toBe('0');
  });

  it('writes cpu shares, quota, period, burst and realtime', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({ cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 950000 } });
    const d = 'cpu,cpuacct/c1';
    expect(fake.get(`${d}/cpu.shares`)).toBe('512');
    expect(fake.get(`${d}/cpu.cfs_quota_us`)).toBe('50000');
    expect(fake.get(`${d}/cpu.cfs_period_us`)).toBe('100000');
    expect(fake.get(`${d}/cpu.cfs_burst_us`)).toBe('1000');
    expect(fake.get(`${d}/cpu.rt_period_us`)).toBe('1000000');
    expect(fake.get(`${d}/cpu.rt_runtime_us`)).toBe('950000');
  });

  it('writes blkio weights and throttles as "major:minor value" lines', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({
      blockIO: {
        weight: 300,
        leafWeight: 200,
        weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 100 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 50 }],
      },
    });
    expect(fake.get('blkio/c1/blkio.weight')).toBe('300');
    expect(fake.get('blkio/c1/blkio.leaf_weight')).toBe('200');
    expect(fake.get('blkio/c1/blkio.weight_device')).toBe('8:0 500');
    expect(fake.get('blkio/c1/blkio.leaf_weight_device')).toBe('8:0 100');
    expect(fake.get('blkio/c1/blkio.throttle.read_bps_device')).toBe('8:0 1048576');
    expect(fake.get('blkio/c1/blkio.throttle.write_iops_device')).toBe('8:16 50');
  });

  it('writes device rules as the list they make, to devices.allow / devices.deny', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 136, access: 'rwm' },
        { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
      ],
    });
    const lines = fake.writes.filter((w) => w.file.startsWith('devices/c1/devices.')).map((w) => `${w.file.split('/').pop()} ${w.data}`);
    // The final list, written from the kernel's current one (here allow-all: reset first).
    expect(lines).toEqual(['devices.deny a *:* rwm', 'devices.allow c 1:3 rm', 'devices.allow c 136:* rwm']);
  });

  it('writes pids, hugetlb, net_cls and net_prio', () => {
    const m = open('/c1');
    m.create();
    m.applyResources({
      pids: { limit: 32 },
      hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
      network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 3 }] },
    });
    expect(fake.get('pids/c1/pids.max')).toBe('32');
    expect(fake.get('hugetlb/c1/hugetlb.2MB.limit_in_bytes')).toBe('2097152');
    expect(fake.get('net_cls/c1/net_cls.classid')).toBe(String(0x100001));
    expect(fake.get('net_prio/c1/net_prio.ifpriomap')).toBe('eth0 3');
    expect(() => m.validateResources({ hugepageLimits: [{ pageSize: '1GB', limit: 1 }] })).toThrow(
      /hugepageLimits\[0\]\.pageSize: 1GB is not a huge page size this kernel supports/,
    );
  });

  it('rejects resources whose controller is not mounted, and unified keys', () => {
    const m = open('/c1', ['memory', 'devices', 'freezer']);
    expect(() => m.validateResources({ pids: { limit: 3 } })).toThrow(/needs the pids cgroup controller, which is not mounted/);
    expect(() => m.validateResources({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] })).toThrow(/hugetlb/);
    expect(() => m.validateResources({ unified: { 'memory.high': '5' } })).toThrow(/unified needs cgroup v2/);
    expect(() => m.validateResources({ memory: { limit: 1000000 }, pids: { limit: 0 } })).not.toThrow();
  });

  it('freezes through freezer.state and signals via cgroup.kill on the unified hierarchy', () => {
    const m = open('/c1');
    m.create();
    m.freeze();
    expect(fake.get('freezer/c1/freezer.state')).toBe('FROZEN');
    expect(m.state()).toBe('frozen');
    m.thaw();
    expect(m.state()).toBe('thawed');
    m.killAll(9);
    expect(fake.writesTo('unified/c1/cgroup.kill')).toEqual(['1']);
  });

  it('reads v1 stats: cpuacct, cpu throttling, memory entries, pids, blkio, hugetlb', () => {
    const m = open('/c1');
    m.create();
    const cpu = 'cpu,cpuacct/c1';
    fake.set(`${cpu}/cpuacct.usage`, '123456789\n');
    fake.set(`${cpu}/cpuacct.usage_percpu`, '100 200 \n');
    fake.set(`${cpu}/cpuacct.stat`, 'user 3\nsystem 2\n');
    fake.set(`${cpu}/cpu.stat`, 'nr_periods 10\nnr_throttled 4\nthrottled_time 999\n');
    fake.set('memory/c1/memory.usage_in_bytes', '8192');
    fake.set('memory/c1/memory.limit_in_bytes', '9223372036854771712');
    fake.set('memory/c1/memory.failcnt', '6');
    fake.set('memory/c1/memory.stat', 'cache 4096\nrss 4096\n');
    fake.set('memory/c1/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    fake.set('pids/c1/pids.current', '2');
    fake.set('blkio/c1/blkio.throttle.io_service_bytes_recursive', '8:0 Read 100\n8:0 Write 50\nTotal 150\n');
    fake.set('hugetlb/c1/hugetlb.2MB.failcnt', '1');
    const s = m.stats();
    expect(s.cpu.usage).toEqual({ total: 123456789n, percpu: [100n, 200n], percpu_kernel: [], percpu_user: [], kernel: 20000000n, user: 30000000n });
    expect(s.cpu.throttling).toEqual({ periods: 10n, throttledPeriods: 4n, throttledTime: 999n });
    expect(s.memory.usage).toEqual({ usage: 8192n, max: 0n, failcnt: 6n, limit: 9223372036854771712n });
    expect(s.memory.cache).toBe(4096n);
    expect(s.pids).toEqual({ current: 2n, limit: 0n });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([
      { major: 8n, minor: 0n, op: 'Read', value: 100n },
      { major: 8n, minor: 0n, op: 'Write', value: 50n },
    ]);
    expect(s.hugetlb['2MB'].failcnt).toBe(1n);
    expect(s.cpuset.cpus).toEqual([0, 1]);
    expect(m.oomKillCount()).toBe(3);
  });

  it('destroys every hierarchy dir and leaves parents', () => {
    const m = open('/runts/c1');
    m.create();
    m.destroy();
    for (const p of Object.values(m.paths)) expect(fake.exists(p)).toBe(false);
    expect(fake.exists(`${fake.root}/memory/runts`)).toBe(true);
    expect(() => m.destroy()).not.toThrow();
  });
});
