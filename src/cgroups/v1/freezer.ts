// v1 freezer: freezer.state. Freezing can report FREEZING for a while (and may never finish
// while processes keep forking), so it is retried, with an occasional thaw to break the race.
import { RuntsError } from '../../foundation/errors';
import { CgroupDir, sleepSync } from '../fs';
import type { FreezerState } from '../types';

const ATTEMPTS = 500;

export function freezeV1(dir: CgroupDir): void {
  for (let i = 0; i < ATTEMPTS; i++) {
    if (i % 50 === 49) {
      dir.write('freezer.state', 'THAWED');
      sleepSync(10);
    }
    dir.write('freezer.state', 'FROZEN');
    const state = dir.read('freezer.state').trim();
    if (state === 'FROZEN') return;
    if (state !== 'FREEZING') throw new RuntsError(`cgroup: ${dir.file('freezer.state')} reads ${state} after writing FROZEN`, 'system');
    if (i % 10 === 9) sleepSync(1);
  }
  dir.write('freezer.state', 'THAWED');
  throw new RuntsError(`cgroup: could not freeze ${dir.dir}: it stayed FREEZING (processes keep appearing)`, 'system');
}

export function thawV1(dir: CgroupDir): void {
  dir.write('freezer.state', 'THAWED');
}

export function freezerStateV1(dir: CgroupDir): FreezerState {
  const state = (dir.readIfPresent('freezer.state') ?? 'THAWED').trim();
  return state === 'THAWED' ? 'thawed' : 'frozen';
}
