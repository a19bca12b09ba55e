// runtsd starts through tens of MB of the Node executable's code that an idle daemon does not run
// again: once no client has connected for IDLE_MS, it hands those mappings and malloc's free
// pages back (native.releaseIdleMemory, as an idle shim does). The pages stay in the page cache;
// code that runs later is mapped again by minor faults. A new connection waits IDLE_MS again.
import * as native from '../native';
import { Logger } from './log';

const IDLE_MS = 1000;

export class IdleMemoryRelease {
  private readonly timer: NodeJS.Timeout;

  constructor(log: Logger) {
    this.timer = setTimeout(() => log.debug('idle: code mappings released', { kB: native.releaseIdleMemory() }), IDLE_MS);
    this.timer.unref();
  }

  /** A client connected: the release waits for IDLE_MS more without a new connection. */
  busy(): void {
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
