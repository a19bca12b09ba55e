// One v2 controller: how its part of linux.resources is written and its stats are read.
import type { CgroupDir } from '../fs';
import type { LinuxResources } from '../resources';
import type { CgroupStats } from '../stats';

export interface V2Controller {
  /** The v2 controller name (cgroup.controllers), or "" for core files every cgroup has. */
  readonly name: string;
  apply(dir: CgroupDir, r: LinuxResources): void;
  stats?(dir: CgroupDir, s: CgroupStats): void;
}
