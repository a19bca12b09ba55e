// The shim is a child subreaper: processes orphaned below it (the children of a container
// sharing the host pid namespace, a daemon that double-forked, a runtime helper that exited
// first) become its children. Exits someone waits for (container processes through their
// pidfds, Node's own children through libuv) are left alone; any other zombie is reaped here.
import * as fs from 'fs';
import { readProcStat } from '../foundation/proc-stat';
import * as native from '../native';

/** Lets Node's and the task service's own waits run first after a SIGCHLD. */
const SETTLE_MS = 50;

export interface ReaperOwner {
  /** true for a pid whose exit someone else collects */
  claims(pid: number): boolean;
  /** true while a process is being launched whose pid is not claimed yet */
  launching(): boolean;
}

export class OrphanReaper {
  private timer: NodeJS.Timeout | undefined;
  /** zombies seen by the last look: whoever waits for them had a full loop turn since */
  private suspects = new Set<number>();
  private readonly onChild = () => this.schedule();

  constructor(private readonly owner: ReaperOwner) {}

  start(): void {
    process.on('SIGCHLD', this.onChild);
  }

  stop(): void {
    process.off('SIGCHLD', this.onChild);
    clearTimeout(this.timer);
  }

  /**
   * Reaps the zombie children that were zombies at the previous look already and that nobody
   * claims; returns their pids. A timer can run before libuv read a pending SIGCHLD in the same
   * loop turn, so a fresh zombie may still be Node's own: it is only a suspect until next time.
   */
  reap(): number[] {
    const reaped: number[] = [];
    const zombies = this.owner.launching() ? [] : zombieChildren();
    const suspects = new Set<number>();
    for (const pid of zombies) {
      if (this.owner.claims(pid)) continue;
      if (!this.suspects.has(pid)) {
        suspects.add(pid);
        continue;
      }
      // the pidfd wait reaps it; nobody needs its status
      native.exited(pid).catch(() => {});
      reaped.push(pid);
    }
    this.suspects = suspects;
    // a launch in flight or a suspect: look again
    if (this.owner.launching() || suspects.size) this.schedule();
    return reaped;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reap();
    }, SETTLE_MS);
  }
}

/** Our children that have exited and wait to be reaped (state Z in /proc/<pid>/stat). */
function zombieChildren(): number[] {
  const me = process.pid;
  const zombies: number[] = [];
  for (const pid of childrenOf(me)) {
    const stat = readProcStat(pid); // undefined: gone meanwhile
    if (stat?.state === 'Z' && stat.ppid === me) zombies.push(Number(pid));
  }
  return zombies;
}

/**
 * Candidate children of this process: the kernel's per-thread children lists (a look at a
 * dozen small files, where a scan of /proc reads every process's stat: ~10 ms per SIGCHLD on a
 * busy host), or every pid when the kernel has no such lists (CONFIG_PROC_CHILDREN).
 */
function childrenOf(me: number): string[] {
  const pids: string[] = [];
  try {
    for (const tid of fs.readdirSync(`/proc/${me}/task`)) {
      pids.push(...fs.readFileSync(`/proc/${me}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
    }
    return pids;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return fs.readdirSync('/proc').filter((entry) => entry.charCodeAt(0) <= 57); // pids only
  }
}
