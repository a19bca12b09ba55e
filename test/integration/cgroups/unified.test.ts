// The v2 manager against the real cgroup2 hierarchy of this host (/sys/fs/cgroup/unified, which
// has no controllers enabled here: the core files cgroup.procs/freeze/kill/events are what is
// real; controller files are covered by the fake-cgroupfs unit tests). Each test works below a
// parent cgroup it owns, so no host cgroup's subtree_control is touched.
import * as fs from 'fs';
import * as path from 'path';
import { CgroupManager, DeviceProgram, openCgroup } from '../../../src/cgroups';
import { HeldProcess, expectFreezeStopsLoop, killHeld, sleep, spawnHeld, waitFor } from './held-process';

const UNIFIED = '/sys/fs/cgroup/unified';
const runnable = process.getuid?.() === 0 && fs.existsSync(path.join(UNIFIED, 'cgroup.procs'));

(runnable ? describe : describe.skip)('v2 manager on the real cgroup2 hierarchy (root)', () => {
  let n = 0;
  let parent = '';
  let cg: CgroupManager | undefined;
  let procs: HeldProcess[] = [];

  function open(setDeviceProgram?: (dir: string, p: DeviceProgram) => void): CgroupManager {
    cg = openCgroup({ path: '/ctr', layout: 'v2', root: parent, setDeviceProgram });
    return cg;
  }

  function held(script: string): HeldProcess {
    const p = spawnHeld(script);
    procs.push(p);
    return p;
  }

  beforeEach(() => {
    parent = path.join(UNIFIED, `runts-test-${process.pid}-v2-${++n}`);
    fs.mkdirSync(parent);
  });

  afterEach(async () => {
    for (const p of procs) await killHeld(p);
    procs = [];
    try {
      if (cg && fs.existsSync(cg.paths.unified)) {
        const left = cg;
        left.killAll(9);
        await waitFor(() => left.pids().length === 0);
        left.destroy();
      }
    } finally {
      cg = undefined;
      const child = path.join(parent, 'ctr');
      if (fs.existsSync(child)) fs.rmdirSync(child);
      fs.rmdirSync(parent);
    }
  });

  it('creates the cgroup without enabling anything, places a process, lists it', () => {
    const m = open();
    m.create();
    expect(fs.readFileSync(path.join(parent, 'cgroup.subtree_control'), 'utf8').trim()).toBe('');
    const p = held('exec sleep 1000');
    m.addProcess(p.pid);
    expect(fs.readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toContain(`0::/${path.basename(parent)}/ctr\n`);
    expect(m.pids()).toEqual([p.pid]);
    expect(m.stats().pids.current).toBe(1n);
  });

  it('names the controller a resource needs when the hierarchy lacks it', () => {
    const m = open();
    expect(() => m.validateResources({ memory: { limit: 1 << 24 } })).toThrow(/needs the memory cgroup controller, which is not enabled/);
    expect(fs.existsSync(m.paths.unified)).toBe(false);
  });

  it('freezes through cgroup.freeze (cgroup.events says frozen, the loop stops) and thaws', async () => {
    const m = open();
    m.create();
    await expectFreezeStopsLoop(m, held('while :; do :; done'), () =>
      expect(fs.readFileSync(path.join(m.paths.unified, 'cgroup.events'), 'utf8')).toMatch(/^frozen 1$/m));
    expect(m.stats().cpu.usage.total).toBeGreaterThan(0n);
  });

  it('kills every process, grandchildren included, with cgroup.kill', async () => {
    const m = open();
    m.create();
    const p = held('sleep 1000 & sleep 1000 & wait');
    m.addProcess(p.pid);
    p.release();
    expect(await waitFor(() => m.pids().length === 3)).toBe(true);
    m.killAll(9);
    expect((await p.exited).signal).toBe('SIGKILL');
    expect(await waitFor(() => m.pids().length === 0)).toBe(true);
    m.destroy();
    expect(fs.existsSync(m.paths.unified)).toBe(false);
  });

  it('delivers other signals by freezing, signalling and thawing; a paused cgroup stays paused', async () => {
    const m = open();
    m.create();
    const p = held('trap "echo got-usr1" USR1; while :; do sleep 0.05; done');
    m.addProcess(p.pid);
    p.release();
    await sleep(100);
    m.freeze();
    m.killAll(10);
    expect(m.state()).toBe('frozen');
    m.thaw();
    expect(await waitFor(() => p.output().includes('got-usr1'))).toBe(true);
  });

  it('hands device rules to the device-program hook with the cgroup path', () => {
    const loaded: [string, DeviceProgram][] = [];
    const m = open((dir, program) => loaded.push([dir, program]));
    m.create();
    m.applyResources({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
    expect(loaded).toEqual([[m.paths.unified, { defaultAllow: false, rules: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] }]]);
  });
});
