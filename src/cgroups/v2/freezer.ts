// v2 freezer: cgroup.freeze, then wait for cgroup.events to report "frozen 1" (freezing is
// asynchronous: tasks stop at their next return to user space).
import { RuntsError } from '../../foundation/errors';
import { CgroupDir, sleepSync } from '../fs';
import { parseKeyed } from '../parse';
import type { FreezerState } from '../types';

const WAIT_MS = 2000;

function waitFrozen(dir: CgroupDir, want: bigint): boolean {
  if (!dir.has('cgroup.events')) return true;
  for (let waited = 0; waited <= WAIT_MS; waited += 5) {
    if (parseKeyed(dir.read('cgroup.events')).get('frozen') === want) return true;
    sleepSync(5);
  }
  return false;
}

function requireFreezer(dir: CgroupDir): void {
  if (!dir.has('cgroup.freeze')) {
    throw new RuntsError(`cgroup: ${dir.dir} has no cgroup.freeze (kernel older than 5.2), so it cannot be paused`, 'unsupported');
  }
}

export function freezeV2(dir: CgroupDir): void {
  requireFreezer(dir);
  dir.write('cgroup.freeze', '1');
  if (!waitFrozen(dir, 1n)) {
    dir.write('cgroup.freeze', '0');
    throw new RuntsError(`cgroup: ${dir.dir} did not freeze within ${WAIT_MS} ms`, 'system');
  }
}

export function thawV2(dir: CgroupDir): void {
  requireFreezer(dir);
  dir.write('cgroup.freeze', '0');
  waitFrozen(dir, 0n);
}

export function freezerStateV2(dir: CgroupDir): FreezerState {
  return (dir.readIfPresent('cgroup.freeze') ?? '0').trim() === '1' ? 'frozen' : 'thawed';
}
