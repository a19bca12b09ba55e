// The one interface the runtime uses, whichever cgroup version the host runs.
import type { DeviceProgram } from './devices';
import type { LinuxResources } from './resources';
import type { CgroupStats } from './stats';

export type CgroupLayout = 'v1' | 'hybrid' | 'v2';
export type FreezerState = 'frozen' | 'thawed';

/** Loads a v2 device program into the cgroup at `dir` (the addon's eBPF loader plugs in here). */
export type SetDeviceProgram = (dir: string, program: DeviceProgram) => void;

export interface ApplyOptions {
  /** A live update (`runts update`). Create and update both write only the fields given. */
  update?: boolean;
}

/**
 * Lifecycle, as the runtime drives it: validateResources(r) before anything exists, create(),
 * applyResources(r), addProcess(pid) while the child is still held, then pids/freeze/stats...,
 * killAll and destroy on delete.
 */
export interface CgroupManager {
  readonly layout: CgroupLayout;
  /** Controller (or hierarchy) name -> absolute cgroup directory; 'unified' is the cgroup2 one. */
  readonly paths: Record<string, string>;
  validateResources(r: LinuxResources | undefined): void;
  create(): void;
  addProcess(pid: number): void;
  applyResources(r: LinuxResources | undefined, opts?: ApplyOptions): void;
  /** Every process in the cgroup and its descendants. */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  state(): FreezerState;
  stats(): CgroupStats;
  /** How many times the kernel OOM-killed a process in this cgroup (for `events` oom). */
  oomKillCount(): number;
  /** Signals every process; SIGKILL uses cgroup.kill when the kernel has it. */
  killAll(signal: number): void;
  /** Removes the cgroup directories; already-gone is fine. */
  destroy(): void;
}
