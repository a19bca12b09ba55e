// The cgroup v1 manager: one directory per mounted hierarchy (and, on a hybrid host, the same
// path in the cgroup2 hierarchy too, which runc also joins so cgroup.kill and cgroup2 tools work).
import * as path from 'path';
import { RuntsError, invalid } from '../../foundation/errors';
import { requiredControllers } from '../controllers';
import { CgroupDir, CgroupFs } from '../fs';
import { v1Mounts } from '../mountinfo';
import { OwnCgroups, resolveIn } from '../paths';
import type { LinuxResources } from '../resources';
import { CgroupStats, emptyStats } from '../stats';
import { addProcessTo, createLevels, removeTree, signalEach, subtreePids } from '../tree';
import type { CgroupLayout, CgroupManager, FreezerState } from '../types';
import { validateResources } from '../validate';
import { blkioV1 } from './blkio';
import type { V1Controller } from './controller';
import { cpuV1 } from './cpu';
import { cpuacctV1 } from './cpuacct';
import { cpusetV1, seedCpusetLevel } from './cpuset';
import { devicesV1 } from './devices';
import { freezeV1, freezerStateV1, thawV1 } from './freezer';
import { hugetlbV1 } from './hugetlb';
import { memoryV1, oomKillsV1 } from './memory';
import { netClsV1, netPrioV1 } from './net';
import { pidsV1 } from './pids';
import { rdmaV1 } from './rdma';

// Application order as runc's: cpuset and devices before the others, unified-only keys never.
const CONTROLLERS: V1Controller[] = [cpusetV1, devicesV1, memoryV1, cpuV1, cpuacctV1, pidsV1, blkioV1, hugetlbV1, netClsV1, netPrioV1, rdmaV1];

interface Hierarchy {
  /** Directory name under the cgroup root, e.g. "memory", "cpu,cpuacct", "systemd". */
  name: string;
  controllers: string[];
  mount: string;
  dir: string;
}

export interface V1ManagerOptions {
  fs: CgroupFs;
  root: string;
  cgroupsPath: string;
  own: OwnCgroups;
  /** Hybrid host: also place processes in <root>/unified. */
  hybrid: boolean;
}

export class V1Manager implements CgroupManager {
  readonly layout: CgroupLayout;
  readonly paths: Record<string, string> = {};
  private readonly fs: CgroupFs;
  private readonly hierarchies: Hierarchy[];
  private readonly unified?: { mount: string; dir: string };

  constructor(opts: V1ManagerOptions) {
    this.fs = opts.fs;
    this.layout = opts.hybrid ? 'hybrid' : 'v1';
    // A named hierarchy (systemd's) carries no controller but is joined like runc does.
    this.hierarchies = v1Mounts(opts.fs.mountinfo(), opts.root).map(({ mount, controllers, key }) => (
      { name: path.basename(mount), controllers, mount, dir: resolveIn(mount, key, opts.cgroupsPath, opts.own) }
    ));
    for (const h of this.hierarchies) {
      if (h.controllers.length === 0) this.paths[h.name] = h.dir;
      for (const c of h.controllers) this.paths[c] = h.dir;
    }
    if (opts.hybrid) {
      const mount = path.join(opts.root, 'unified');
      this.unified = { mount, dir: resolveIn(mount, '', opts.cgroupsPath, opts.own) };
      this.paths.unified = this.unified.dir;
    }
  }

  private dirOf(controller: string): CgroupDir | undefined {
    const p = this.paths[controller];
    return p === undefined ? undefined : new CgroupDir(this.fs, p);
  }

  private dirs(): { mount: string; dir: string }[] {
    return [...this.hierarchies, ...(this.unified ? [this.unified] : [])];
  }

  validateResources(r: LinuxResources | undefined): void {
    validateResources(r, 'v1');
    for (const c of requiredControllers(r)) {
      if (!(c in this.paths)) throw invalid(`linux.resources needs the ${c} cgroup controller, which is not mounted on this host`);
    }
    const hugetlb = this.hierarchies.find((h) => h.controllers.includes('hugetlb'));
    (r?.hugepageLimits ?? []).forEach((h, i) => {
      if (hugetlb && !this.fs.exists(path.join(hugetlb.mount, `hugetlb.${h.pageSize}.limit_in_bytes`))) {
        throw invalid(`linux.resources.hugepageLimits[${i}].pageSize: ${h.pageSize} is not a huge page size this kernel supports`);
      }
    });
  }

  create(): void {
    for (const h of this.hierarchies) {
      const seed = h.controllers.includes('cpuset') ? (level: string) => seedCpusetLevel(this.fs, level) : undefined;
      createLevels(this.fs, h.mount, h.dir, seed);
    }
    if (this.unified) createLevels(this.fs, this.unified.mount, this.unified.dir);
  }

  addProcess(pid: number): void {
    for (const d of this.dirs()) addProcessTo(this.fs, d.dir, pid);
  }

  applyResources(r: LinuxResources | undefined): void {
    if (!r) return;
    this.validateResources(r);
    for (const c of CONTROLLERS) {
      const dir = this.dirOf(c.name);
      if (dir) c.apply(dir, r);
    }
  }

  /** The hierarchy used to list processes: any will do, these always exist on a runc host. */
  private processDir(): string {
    for (const c of ['pids', 'freezer', 'devices', 'memory']) if (this.paths[c]) return this.paths[c];
    const first = this.dirs()[0];
    if (!first) throw new RuntsError('cgroup: no cgroup hierarchy is mounted', 'unsupported');
    return first.dir;
  }

  pids(): number[] {
    return subtreePids(this.fs, this.processDir());
  }

  private freezer(): CgroupDir {
    const dir = this.dirOf('freezer');
    if (!dir) throw new RuntsError('cgroup: the freezer controller is not mounted, so the container cannot be paused', 'unsupported');
    return dir;
  }

  freeze(): void {
    freezeV1(this.freezer());
  }

  thaw(): void {
    thawV1(this.freezer());
  }

  state(): FreezerState {
    const dir = this.dirOf('freezer');
    return dir ? freezerStateV1(dir) : 'thawed';
  }

  stats(): CgroupStats {
    const s = emptyStats();
    for (const c of CONTROLLERS) {
      const dir = this.dirOf(c.name);
      if (dir && c.stats && this.fs.exists(dir.dir)) c.stats(dir, s);
    }
    return s;
  }

  oomKillCount(): number {
    const dir = this.dirOf('memory');
    return dir ? oomKillsV1(dir) : 0;
  }

  killAll(signal: number): void {
    const unified = this.unified && new CgroupDir(this.fs, this.unified.dir);
    const freezer = this.dirOf('freezer');
    if (signal === 9 && unified?.has('cgroup.kill')) {
      unified.write('cgroup.kill', '1');
      // A v1-frozen task does not act on SIGKILL until it is thawed (a paused container).
      if (freezer && this.fs.exists(freezer.dir) && freezerStateV1(freezer) !== 'thawed') thawV1(freezer);
      return;
    }
    // Frozen processes cannot fork, so the list cannot grow while it is being signalled.
    if (freezer && this.fs.exists(freezer.dir)) {
      const wasFrozen = freezerStateV1(freezer) === 'frozen';
      freezeV1(freezer);
      try {
        signalEach(this.pids(), signal);
      } finally {
        // A paused container stays paused, except that SIGKILL needs running tasks to act.
        if (!wasFrozen || signal === 9) thawV1(freezer);
      }
    } else {
      signalEach(this.pids(), signal);
    }
  }

  destroy(): void {
    for (const d of this.dirs()) if (d.dir !== d.mount) removeTree(this.fs, d.dir);
  }
}
