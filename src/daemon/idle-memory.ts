// runtsd starts through tens of MB of the Node executable's code that an idle daemon does not run
// again: once no client has connected for a while, it hands those mappings and malloc's free
// pages back (native.releaseIdleMemory, as an idle shim does). The pages stay in the page cache;
// code that runs later is mapped again by minor faults.
import * as native from '../native';
import { Logger } from './log';

// After start-up: its code is not run again.
const AT_START_MS = 1000;
// After calls, only after a real pause: mapping back what the next call runs costs ~10 ms of CPU
// (ctr calls 1.2 s apart cost 27 instead of 17 ms each when every pause released).
const AFTER_USE_MS = 60_000;

export class IdleMemoryRelease {
  private timer: NodeJS.Timeout;
  private delayMs = AT_START_MS;

  constructor(private readonly log: Logger) {
    this.timer = this.schedule();
  }

  /** A client connected: the release waits for a pause without a new connection. */
  busy(): void {
    clearTimeout(this.timer);
    this.timer = this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private schedule(): NodeJS.Timeout {
    return setTimeout(() => {
      this.log.debug('idle: code mappings released', { kB: native.releaseIdleMemory() });
      this.delayMs = AFTER_USE_MS;
    }, this.delayMs).unref();
  }
}
