// Directory operations shared by the v1 and v2 managers: create a path level by level, list the
// processes of a subtree, signal them, and remove a subtree (cgroupfs only allows rmdir).
import * as path from 'path';
import { RuntsError, systemError } from '../foundation/errors';
import { CgroupDir, CgroupFs, sleepSync } from './fs';

/** Every directory from `mount` (exclusive) down to `dir` (inclusive). */
export function levelsBelow(mount: string, dir: string): string[] {
  const rel = path.relative(mount, dir);
  if (rel === '') return [];
  if (rel.startsWith('..')) throw new RuntsError(`cgroup: ${dir} is outside the hierarchy ${mount}`, 'invalid');
  const out: string[] = [];
  let cur = mount;
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    out.push(cur);
  }
  return out;
}

/** mkdir -p from the mount down; `onCreate` runs on each level before the next is made. */
export function createLevels(fs: CgroupFs, mount: string, dir: string, onCreate?: (level: string) => void): void {
  for (const level of levelsBelow(mount, dir)) {
    try {
      fs.mkdir(level);
    } catch (e) {
      throw systemError(`cgroup: creating ${level}`, e);
    }
    onCreate?.(level);
  }
}

export function addProcessTo(fs: CgroupFs, dir: string, pid: number): void {
  new CgroupDir(fs, dir).write('cgroup.procs', pid);
}

/** Pids in dir and all its descendants. */
export function subtreePids(fs: CgroupFs, dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string) => {
    const text = new CgroupDir(fs, d).readIfPresent('cgroup.procs');
    if (text === undefined) return;
    for (const line of text.split('\n')) if (line.trim() !== '') out.push(Number(line));
    for (const sub of fs.subdirs(d)) walk(path.join(d, sub));
  };
  walk(dir);
  return out;
}

/** Sends `signal` to each pid; a process that already exited is not an error. */
export function signalEach(pids: number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw systemError(`cgroup: signalling process ${pid}`, e);
    }
  }
}

const RMDIR_RETRIES = 6;

/** Removes dir (one already gone is fine); the error when it is busy: EBUSY from cgroupfs (tasks
 * or child cgroups), ENOTEMPTY from a plain directory. */
function rmdirUnlessBusy(fs: CgroupFs, dir: string): NodeJS.ErrnoException | undefined {
  try {
    fs.rmdir(dir);
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return undefined;
    if (err.code !== 'EBUSY' && err.code !== 'ENOTEMPTY') throw systemError(`cgroup: removing ${dir}`, e);
    return err;
  }
}

function rmdirRetrying(fs: CgroupFs, dir: string): void {
  let delay = 10;
  for (let attempt = 0; ; attempt++) {
    const busy = rmdirUnlessBusy(fs, dir);
    if (!busy) return;
    // A cgroup stays busy until its last (just killed) process is reaped.
    if (busy.code !== 'EBUSY' || attempt >= RMDIR_RETRIES) throw systemError(`cgroup: removing ${dir}`, busy);
    sleepSync(delay);
    delay *= 2;
  }
}

/** Removes dir and any child cgroups, deepest first; a missing dir is fine. A container's cgroup
 * has no children as a rule, so it is removed first and listed only when that fails: a listing
 * of each of a hybrid host's 11 directories was ~0.3 ms of every delete. */
export function removeTree(fs: CgroupFs, dir: string): void {
  if (!rmdirUnlessBusy(fs, dir)) return;
  for (const sub of fs.subdirs(dir)) removeTree(fs, path.join(dir, sub));
  rmdirRetrying(fs, dir);
}
