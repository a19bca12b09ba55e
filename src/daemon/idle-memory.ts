// runtsd starts through tens of MB of the Node executable's code that an idle daemon does not run
// again, and its work leaves malloc with free pages (~14 MiB after a few pod cycles): once no
// gRPC call has run for a while, it hands both back (native.releaseIdleMemory, as an idle shim
// does). The code pages stay in the page cache and are mapped again, by minor faults, when a call
// runs that code. Calls, not connections, mark activity: kubelet and crictl send all their calls over one
// connection.
import * as grpc from '@grpc/grpc-js';
import { IdleRelease } from '../foundation/idle-release';
import * as native from '../native';
import { Logger } from './log';

const WAITS = {
  // After start-up: its code is not run again.
  firstMs: 1000,
  // After calls, only after a pause longer than a poll's: mapping back what the next call runs
  // costs ~10 ms of CPU (ctr calls 1.2 s apart cost 27 instead of 17 ms each when every 1 s pause
  // released), and kubelet relists every second, so under kubelet runtsd keeps its code mapped.
  laterMs: 2000,
};

type Handler = (call: unknown, callback?: (...result: unknown[]) => void) => unknown;

/** Not started: the first wait begins with the first call, or when serving calls start(). */
export const daemonIdleMemoryRelease = (log: Logger) => new IdleRelease(WAITS, () => {
  native.releaseIdleMemory();
  log.debug('idle: malloc trimmed, code mappings released as the loop sleeps');
});

/** The service's handlers, each call restarting the wait; a call with an answer holds the release off until it is answered. */
export function noteCalls(idle: IdleRelease, implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  return Object.fromEntries(Object.entries(implementation).map(([method, handler]) => [method, (call: unknown, callback?: (...result: unknown[]) => void) => {
    // streams (Subscribe, GetContainerEvents) last as long as their client: only their start counts
    if (typeof callback !== 'function') {
      idle.busy();
      return (handler as Handler)(call);
    }
    const end = idle.begin();
    try {
      return (handler as Handler)(call, (...result: unknown[]) => {
        end();
        callback(...result);
      });
    } catch (err) {
      end();
      throw err;
    }
  }]));
}
