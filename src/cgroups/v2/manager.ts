// The cgroup v2 manager: one directory in the unified hierarchy. Controllers are enabled in
// every ancestor's cgroup.subtree_control on the way down, as runc does.
import * as path from 'path';
import { RuntsError, invalid } from '../../foundation/errors';
import { requiredControllers } from '../controllers';
import { compileDeviceRules } from '../devices';
import { CgroupDir, CgroupFs } from '../fs';
import { OwnCgroups, resolveIn } from '../paths';
import type { LinuxResources } from '../resources';
import { CgroupStats, emptyStats } from '../stats';
import { addProcessTo, levelsBelow, removeTree, signalEach, subtreePids } from '../tree';
import type { CgroupManager, FreezerState, SetDeviceProgram } from '../types';
import { validateResources } from '../validate';
import { applyHugetlb, hugetlbStats } from '../v1/hugetlb';
import { applyPids, pidsStats } from '../v1/pids';
import { applyRdma } from '../v1/rdma';
import type { V2Controller } from './controller';
import { cpuV2 } from './cpu';
import { cpusetV2 } from './cpuset';
import { freezeV2, freezerStateV2, thawV2 } from './freezer';
import { ioV2 } from './io';
import { memoryV2, oomKillsV2 } from './memory';
import { applyUnified } from './unified';

const CONTROLLERS: V2Controller[] = [
  { name: 'pids', apply: applyPids, stats: pidsStats },
  memoryV2,
  ioV2,
  cpuV2,
  cpusetV2,
  { name: 'hugetlb', apply: (d, r) => applyHugetlb(d, r, 'v2'), stats: (d, s) => hugetlbStats(d, s, 'v2') },
  { name: 'rdma', apply: applyRdma },
];

// The v1-named needs of requiredControllers() as v2 controllers ("" needs none: eBPF devices).
const V2_NAME: Record<string, string> = { blkio: 'io', devices: '' };

export interface V2ManagerOptions {
  fs: CgroupFs;
  root: string;
  cgroupsPath: string;
  own: OwnCgroups;
  setDeviceProgram?: SetDeviceProgram;
}

export class V2Manager implements CgroupManager {
  readonly layout = 'v2' as const;
  readonly paths: Record<string, string>;
  private readonly fs: CgroupFs;
  private readonly root: string;
  private readonly dir: CgroupDir;
  private readonly setDeviceProgram?: SetDeviceProgram;

  constructor(opts: V2ManagerOptions) {
    this.fs = opts.fs;
    this.root = opts.root;
    this.dir = new CgroupDir(opts.fs, resolveIn(opts.root, '', opts.cgroupsPath, opts.own));
    this.paths = { unified: this.dir.dir };
    this.setDeviceProgram = opts.setDeviceProgram;
  }

  /** Controllers the cgroup has, or will have once created (its parent's, for a new one). */
  private available(): Set<string> {
    let d = this.dir.dir;
    while (!this.fs.exists(path.join(d, 'cgroup.controllers')) && d !== this.root && d.startsWith(this.root)) d = path.dirname(d);
    const text = new CgroupDir(this.fs, d).readIfPresent('cgroup.controllers') ?? '';
    return new Set(text.split(/\s+/).filter((c) => c !== ''));
  }

  validateResources(r: LinuxResources | undefined): void {
    validateResources(r, 'v2');
    const available = this.available();
    for (const need of requiredControllers(r)) {
      const c = V2_NAME[need] ?? need;
      if (c !== '' && !available.has(c)) {
        throw invalid(`linux.resources needs the ${c} cgroup controller, which is not enabled for ${this.dir.dir}`);
      }
    }
  }

  private enableControllers(dir: string): void {
    const d = new CgroupDir(this.fs, dir);
    const enabled = new Set((d.readIfPresent('cgroup.subtree_control') ?? '').split(/\s+/));
    const wanted = (d.readIfPresent('cgroup.controllers') ?? '').split(/\s+/).filter((c) => c !== '' && !enabled.has(c));
    if (wanted.length === 0) return;
    try {
      d.write('cgroup.subtree_control', wanted.map((c) => `+${c}`).join(' '));
    } catch {
      // Some controllers cannot be enabled (threaded subtree, busy parent): enable what can be;
      // a controller the resources need and did not get is reported when it is written.
      for (const c of wanted) {
        try {
          d.write('cgroup.subtree_control', `+${c}`);
        } catch {
          /* reported later, by the write that needs it */
        }
      }
    }
  }

  create(): void {
    let parent = this.root;
    for (const level of levelsBelow(this.root, this.dir.dir)) {
      this.enableControllers(parent);
      try {
        this.fs.mkdir(level);
      } catch (e) {
        throw new RuntsError(`cgroup: creating ${level}: ${(e as Error).message}`, 'system');
      }
      parent = level;
    }
  }

  addProcess(pid: number): void {
    addProcessTo(this.fs, this.dir.dir, pid);
  }

  applyResources(r: LinuxResources | undefined): void {
    if (!r) return;
    this.validateResources(r);
    for (const c of CONTROLLERS) c.apply(this.dir, r);
    if (r.devices && r.devices.length > 0) {
      // v2 has no device files: the rules become an eBPF program the runtime loads.
      const program = compileDeviceRules(r.devices);
      this.setDeviceProgram?.(this.dir.dir, program);
    }
    applyUnified(this.dir, r, this.available());
  }

  pids(): number[] {
    return subtreePids(this.fs, this.dir.dir);
  }

  freeze(): void {
    freezeV2(this.dir);
  }

  thaw(): void {
    thawV2(this.dir);
  }

  state(): FreezerState {
    return freezerStateV2(this.dir);
  }

  stats(): CgroupStats {
    const s = emptyStats();
    if (!this.fs.exists(this.dir.dir)) return s;
    for (const c of CONTROLLERS) c.stats?.(this.dir, s);
    // Without the pids controller, count the processes (as runc does).
    if (!this.dir.has('pids.current')) s.pids.current = BigInt(this.pids().length);
    return s;
  }

  oomKillCount(): number {
    return oomKillsV2(this.dir);
  }

  killAll(signal: number): void {
    if (signal === 9 && this.dir.has('cgroup.kill')) {
      this.dir.write('cgroup.kill', '1');
      return;
    }
    if (!this.dir.has('cgroup.freeze')) {
      signalEach(this.pids(), signal);
      return;
    }
    const wasFrozen = this.state() === 'frozen';
    freezeV2(this.dir);
    try {
      signalEach(this.pids(), signal);
    } finally {
      // A paused container stays paused, except that SIGKILL needs running tasks to act.
      if (!wasFrozen || signal === 9) thawV2(this.dir);
    }
  }

  destroy(): void {
    if (this.dir.dir !== this.root) removeTree(this.fs, this.dir.dir);
  }
}
