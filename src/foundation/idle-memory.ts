// A long-lived process (a shim, runtsd) works in bursts of milliseconds: once it has been quiet
// for a while, it hands back what those bursts and its start-up touched and rest does not need
// (native.releaseIdleMemory: malloc's free pages, the mappings of Node's code; the code stays in
// the page cache and is mapped again, by minor faults, when work runs it). The wait keeps no
// process alive.
import * as native from '../native';

export interface IdleWaits {
  /** Quiet before the first release (after start-up). */
  firstMs: number;
  /** Quiet before each later one (after work). */
  laterMs: number;
}

export class IdleMemoryRelease {
  private timer: NodeJS.Timeout | undefined;
  private waitMs: number;
  /** Work begun and not ended: no release while there is any. */
  private unfinished = 0;
  private released = false;

  /** beforeFirst runs once, just before the first release. */
  constructor(private readonly waits: IdleWaits, private readonly log: (message: string) => void, private readonly beforeFirst?: () => void) {
    this.waitMs = waits.firstMs;
  }

  /** Work came: the release waits for a quiet spell from now. */
  busy(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.release(), this.waitMs).unref();
  }

  /** Work that lasts (an unanswered call): no release until the returned function is called. */
  begin(): () => void {
    this.busy();
    this.unfinished++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.unfinished--;
      this.busy();
    };
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private release(): void {
    this.timer = undefined;
    if (this.unfinished > 0) return; // the last to end starts the wait again
    if (!this.released) this.beforeFirst?.();
    native.releaseIdleMemory();
    this.log('idle: malloc trimmed, code mappings released as the loop sleeps');
    this.released = true;
    this.waitMs = this.waits.laterMs;
  }
}
