// A long-lived process (a shim, runtsd) works in bursts of milliseconds: once it has been quiet
// for a while, it releases what those bursts and its start-up touched and rest does not need
// (each caller says what: native.releaseIdleMemory, and the shim its snapshot copy). The wait
// keeps no process alive.

export interface IdleWaits {
  /** Quiet before the first release (after start-up). */
  firstMs: number;
  /** Quiet before each later one (after work). */
  laterMs: number;
}

export class IdleRelease {
  private timer: NodeJS.Timeout | undefined;
  private waitMs: number;
  /** Work begun and not ended: no release while there is any. */
  private unfinished = 0;

  constructor(private readonly waits: IdleWaits, private readonly release: () => void) {
    this.waitMs = waits.firstMs;
  }

  /** Work came: the release waits for a quiet spell from now. */
  busy(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.quiet(), this.waitMs).unref();
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

  private quiet(): void {
    this.timer = undefined;
    if (this.unfinished > 0) return; // the last to end starts the wait again
    this.waitMs = this.waits.laterMs;
    this.release();
  }
}
