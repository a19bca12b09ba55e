// One v1 controller: how its part of linux.resources is written and its stats are read.
import type { CgroupDir } from '../fs';
import type { LinuxResources } from '../resources';
import type { CgroupStats } from '../stats';

export interface V1Controller {
  /** The controller name as the kernel spells it (a hierarchy may co-mount several). */
  readonly name: string;
  apply(dir: CgroupDir, r: LinuxResources): void;
  stats?(dir: CgroupDir, s: CgroupStats): void;
}
