// A shim lives for hours and works for milliseconds: once no request has come for IDLE_MS, it
// hands back what start-up and the last requests touched and an idle shim does not need
// (native.releaseIdleMemory: malloc's free pages, the mappings of Node's code; those pages stay
// in the page cache and are mapped again, by minor faults, when a request runs that code).
import * as native from '../native';
import { debug } from './log';

const IDLE_MS = 1000;

export class IdleMemoryRelease {
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setTimeout(() => this.release(), IDLE_MS);
    this.timer.unref();
  }

  /** A request came: the release waits for IDLE_MS more without one. */
  busy(): void {
    this.timer.refresh();
  }

  private release(): void {
    debug(`idle: ${native.releaseIdleMemory()} kB of code mappings released`);
  }
}
