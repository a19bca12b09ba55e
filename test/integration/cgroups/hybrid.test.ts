// The v1 manager (hybrid mode) against the real kernel: real cgroups, real processes.
import * as fs from 'fs';
import * as path from 'path';
import { CgroupManager, detectCgroupLayout, openCgroup, watchOomKills } from '../../../src/cgroups';
import { HeldProcess, expectFreezeStopsLoop, killHeld, sleep, spawnHeld, waitFor } from './held-process';

const ROOT = '/sys/fs/cgroup';
const runnable = process.getuid?.() === 0 && detectCgroupLayout(ROOT) === 'hybrid';
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim();

(runnable ? describe : describe.skip)('v1 manager on the real hybrid hierarchy (root)', () => {
  let n = 0;
  let cg: CgroupManager | undefined;
  let procs: HeldProcess[] = [];

  function open(): CgroupManager {
    cg = openCgroup({ path: `/runts-test-${process.pid}-${++n}` });
    return cg;
  }

  function held(script: string): HeldProcess {
    const p = spawnHeld(script);
    procs.push(p);
    return p;
  }

  afterEach(async () => {
    for (const p of procs) await killHeld(p);
    procs = [];
    if (cg) {
      const dirs = Object.values(cg.paths);
      try {
        // Grandchildren (background sleeps) die with the cgroup, not with their parent.
        if (fs.existsSync(cg.paths.pids)) {
          const left = cg;
          left.killAll(9);
          await waitFor(() => left.pids().length === 0);
        }
        cg.destroy();
      } finally {
        // Whatever destroy() could not remove, remove here so no test leaves a cgroup behind.
        for (const d of dirs) if (fs.existsSync(d)) fs.rmdirSync(d);
      }
    }
    cg = undefined;
  });

  it('detects the hybrid layout', () => {
    expect(detectCgroupLayout(ROOT)).toBe('hybrid');
  });

  it('places a process in every hierarchy and the unified one, lists it, destroys cleanly', async () => {
    const m = open();
    m.create();
    const p = held('exec sleep 1000');
    m.addProcess(p.pid);
    const rel = `/runts-test-${process.pid}-${n}`;
    const lines = fs.readFileSync(`/proc/${p.pid}/cgroup`, 'utf8').trim().split('\n');
    for (const c of ['memory', 'cpu', 'pids', 'freezer', 'devices', 'blkio', 'cpuset', 'name=systemd']) {
      expect(lines.find((l) => l.split(':')[1].split(',').includes(c))).toMatch(new RegExp(`:${rel}$`));
    }
    expect(lines).toContain(`0::${rel}`);
    expect(m.pids()).toEqual([p.pid]);
    m.killAll(9);
    expect((await p.exited).signal).toBe('SIGKILL');
    m.destroy();
    for (const d of Object.values(m.paths)) expect(fs.existsSync(d)).toBe(false);
  });

  it('applies memory, pids, cpu and cpuset limits the kernel then reports, and updates them live', () => {
    const m = open();
    const r = {
      memory: { limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024, reservation: 32 * 1024 * 1024, kernelTCP: 8 * 1024 * 1024, swappiness: 10, disableOOMKiller: true },
      pids: { limit: 10 },
      cpu: { shares: 512, quota: 20000, period: 100000, burst: 5000, cpus: '0', mems: '0' },
    };
    m.validateResources(r);
    m.create();
    m.applyResources(r);
    expect(read(m.paths.memory, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(read(m.paths.memory, 'memory.memsw.limit_in_bytes')).toBe(String(128 * 1024 * 1024));
    expect(read(m.paths.memory, 'memory.soft_limit_in_bytes')).toBe(String(32 * 1024 * 1024));
    expect(read(m.paths.memory, 'memory.kmem.tcp.limit_in_bytes')).toBe(String(8 * 1024 * 1024));
    expect(read(m.paths.memory, 'memory.swappiness')).toBe('10');
    expect(read(m.paths.memory, 'memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
    expect(read(m.paths.pids, 'pids.max')).toBe('10');
    expect(read(m.paths.cpu, 'cpu.shares')).toBe('512');
    expect(read(m.paths.cpu, 'cpu.cfs_burst_us')).toBe('5000');
    expect(read(m.paths.cpu, 'cpu.cfs_quota_us')).toBe('20000');
    expect(read(m.paths.cpu, 'cpu.cfs_period_us')).toBe('100000');
    expect(read(m.paths.cpuset, 'cpuset.cpus')).toBe('0');
    // Growing memory+swap must be ordered (memsw first) or the kernel refuses it.
    m.applyResources({ memory: { limit: 256 * 1024 * 1024, swap: 512 * 1024 * 1024 }, pids: { limit: -1 } }, { update: true });
    expect(read(m.paths.memory, 'memory.limit_in_bytes')).toBe(String(256 * 1024 * 1024));
    expect(read(m.paths.memory, 'memory.memsw.limit_in_bytes')).toBe(String(512 * 1024 * 1024));
    expect(read(m.paths.pids, 'pids.max')).toBe('max');
  });

  it('writes blkio weight (where the I/O scheduler has one) and per-device throttles', () => {
    const m = open();
    m.create();
    // The virtio disk of this VM: the first disk in /sys/block with a dev number.
    const disk = fs.readdirSync('/sys/block').find((b) => /^(vd|sd|nvme)/.test(b));
    if (!disk) throw new Error('no disk in /sys/block to throttle');
    const [major, minor] = read(`/sys/block/${disk}`, 'dev').split(':').map(Number);
    const throttles = {
      throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
      throttleWriteIOPSDevice: [{ major, minor, rate: 100 }],
    };
    // Weights are BFQ's (or, before 5.0, CFQ's) files: a kernel without either scheduler has none.
    const weightFile = ['blkio.bfq.weight', 'blkio.weight'].find((f) => fs.existsSync(path.join(m.paths.blkio, f)));
    if (weightFile) {
      m.applyResources({ blockIO: { weight: 300, ...throttles } });
      expect(read(m.paths.blkio, weightFile)).toMatch(/(^| )300$/m);
    } else {
      // as runc, which writes blkio.weight and fails
      expect(() => m.applyResources({ blockIO: { weight: 300 } })).toThrow(/writing "300" to \S+\/blkio\.weight: no such file or directory/);
      m.applyResources({ blockIO: throttles });
    }
    expect(read(m.paths.blkio, 'blkio.throttle.read_bps_device')).toBe(`${major}:${minor} 1048576`);
    expect(read(m.paths.blkio, 'blkio.throttle.write_iops_device')).toBe(`${major}:${minor} 100`);
  });

  it('refuses what the kernel would refuse before creating anything', () => {
    const m = open();
    expect(() => m.validateResources({ cpu: { quota: 500 } })).toThrow(/cpu\.quota: 500 is below the kernel's minimum of 1000/);
    expect(() => m.validateResources({ hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] })).toThrow(/hugetlb cgroup controller, which is not mounted/);
    for (const d of Object.values(m.paths)) expect(fs.existsSync(d)).toBe(false);
  });

  it('freezes (a busy loop stops using cpu) and thaws', async () => {
    const m = open();
    m.create();
    await expectFreezeStopsLoop(m, held('while :; do :; done'), () => expect(read(m.paths.freezer, 'freezer.state')).toBe('FROZEN'));
  });

  it('throttles with a cpu quota (cpu.stat nr_throttled grows) and reports stats', async () => {
    const m = open();
    m.create();
    m.applyResources({ cpu: { quota: 1000, period: 100000 }, memory: { limit: 64 * 1024 * 1024 } });
    const p = held('while :; do :; done');
    m.addProcess(p.pid);
    p.release();
    await sleep(600);
    const s = m.stats();
    expect(s.cpu.throttling.throttledPeriods).toBeGreaterThan(0n);
    expect(s.cpu.usage.total).toBeGreaterThan(0n);
    expect(s.cpu.usage.percpu.length).toBeGreaterThan(0);
    expect(s.memory.usage.limit).toBe(BigInt(64 * 1024 * 1024));
    expect(s.pids.current).toBe(1n);
    // With 1% of one cpu in 600 ms it cannot have used more than a few periods' worth.
    expect(s.cpu.usage.total).toBeLessThan(100_000_000n);
  });

  it('stops a fork bomb at pids.max', async () => {
    const m = open();
    m.create();
    m.applyResources({ pids: { limit: 5 } });
    // dash gives up at the first fork the kernel refuses.
    const p = held('for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; echo all-forked');
    m.addProcess(p.pid);
    p.release();
    await p.exited;
    expect(p.output()).toMatch(/Cannot fork/);
    expect(p.output()).not.toMatch(/all-forked/);
    expect(read(m.paths.pids, 'pids.events')).toMatch(/^max [1-9]/);
    // The shell forked 4 sleeps and then hit the limit of 5 (itself included).
    expect(m.pids().length).toBe(4);
    expect(m.stats().pids).toEqual({ current: 4n, limit: 5n });
    m.killAll(9);
    expect(await waitFor(() => m.pids().length === 0)).toBe(true);
  });

  it('OOM-kills a memory hog at its limit and counts it', async () => {
    const m = open();
    m.create();
    m.applyResources({ memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } });
    expect(m.oomKillCount()).toBe(0);
    let events = 0;
    const stop = watchOomKills(m, () => events++, 20);
    try {
      // tail buffers a newline-free stream whole: it grows until the limit stops it.
      const p = held('head -c 200000000 /dev/zero | tail -n 1 >/dev/null; echo done');
      m.addProcess(p.pid);
      p.release();
      await p.exited;
      expect(p.output()).toMatch(/Killed/);
      expect(await waitFor(() => events > 0)).toBe(true);
    } finally {
      stop();
    }
    expect(m.oomKillCount()).toBeGreaterThanOrEqual(1);
    // Usage peaked exactly at the limit.
    expect(m.stats().memory.usage.max).toBe(BigInt(16 * 1024 * 1024));
  });

  it('denies a device outside the allow list', async () => {
    const m = open();
    m.create();
    m.applyResources({
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      ],
    });
    expect(read(m.paths.devices, 'devices.list')).toBe('c 1:3 rwm');
    const p = held('echo x > /dev/null && echo NULL-OK; head -c1 /dev/zero >/dev/null && echo ZERO-OK; true');
    m.addProcess(p.pid);
    p.release();
    await p.exited;
    expect(p.output()).toContain('NULL-OK');
    expect(p.output()).not.toContain('ZERO-OK');
    expect(p.output()).toMatch(/Operation not permitted/);
  });

  it('signals every process with freeze-signal-thaw for signals other than SIGKILL', async () => {
    const m = open();
    m.create();
    const p = held('sleep 1000 & sleep 1000 & wait');
    m.addProcess(p.pid);
    p.release();
    await waitFor(() => m.pids().length === 3);
    m.killAll(15);
    expect(await waitFor(() => m.pids().length === 0)).toBe(true);
    expect(m.state()).toBe('thawed');
  });
});
