// runtsd starts through tens of MB of the Node executable's code that an idle daemon does not run
// again, and its work leaves malloc with free pages (~14 MiB after a few pod cycles): once no
// gRPC call has run for a while, it hands both back (native.releaseIdleMemory, as an idle shim
// does). The code pages stay in the page cache and are mapped again, by minor faults, when a call
// runs that code. Calls, not connections, mark activity: kubelet and crictl send all their calls
// over one connection.
import * as grpc from '@grpc/grpc-js';
import * as native from '../native';
import { Logger } from './log';

// After start-up: its code is not run again.
const AT_START_MS = 1000;
// After calls, only after a pause longer than a poll's: mapping back what the next call runs
// costs ~10 ms of CPU (ctr calls 1.2 s apart cost 27 instead of 17 ms each when every 1 s pause
// released), and kubelet relists every second, so under kubelet runtsd keeps its code mapped.
const AFTER_USE_MS = 2000;

type Handler = (call: unknown, callback?: (...result: unknown[]) => void) => unknown;

export class IdleMemoryRelease {
  private timer: NodeJS.Timeout | undefined;
  private delayMs = AT_START_MS;
  /** Calls (unary and client-streaming) not answered yet: no release while one runs. */
  private running = 0;

  constructor(private readonly log: Logger) {}

  /** Serving: the first release comes once start-up is followed by a pause. */
  start(): void {
    this.wait();
  }

  /** The service's handlers, each call restarting the wait (its answer too, when it has one). */
  noteCalls(implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
    return Object.fromEntries(Object.entries(implementation).map(([method, handler]) => [method, (call: unknown, callback?: (...result: unknown[]) => void) => {
      this.wait();
      // streams (Subscribe, GetContainerEvents) last as long as their client: only their start counts
      if (typeof callback !== 'function') return (handler as Handler)(call);
      this.running++;
      let answered = false;
      const answer = (...result: unknown[]) => {
        if (!answered) {
          answered = true;
          this.running--;
          this.wait();
        }
        callback(...result);
      };
      try {
        return (handler as Handler)(call, answer);
      } catch (err) {
        if (!answered) this.running--;
        answered = true;
        throw err;
      }
    }]));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wait(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.release(), this.delayMs).unref();
  }

  private release(): void {
    this.timer = undefined;
    if (this.running > 0) return; // the last answer starts the wait again
    native.releaseIdleMemory();
    this.log.debug('idle: malloc trimmed, code mappings released as the loop sleeps');
    this.delayMs = AFTER_USE_MS;
  }
}
