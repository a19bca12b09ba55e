// How a gRPC service plugs into runtsd: see the contract at the top of server.ts.
import * as grpc from '@grpc/grpc-js';
import { Deps } from './deps';

export interface ServiceRegistration {
  /** Plugin id shown by `ctr plugins ls` (type io.containerd.grpc.v1), e.g. "content". */
  name: string;
  /** The grpc-js service definition, usually lazyServiceDefinition(protoFile, fullName). */
  definition: () => grpc.ServiceDefinition;
  /** Builds the handlers from the shared dependency bag. */
  implementation: (deps: Deps) => grpc.UntypedServiceImplementation;
  /** Called once the daemon is listening (a service that calls the daemon itself starts here). */
  serving?: (deps: Deps) => void;
  /** Called when the daemon stops, after the server closed. */
  stopped?: (deps: Deps) => void;
}

export interface LazyOptions {
  /** Start-up work that cannot wait for the first call (clearing what a crash left). */
  atStart?: (deps: Deps) => void;
  /** Whether the service must be loaded at start anyway (state of a previous run to recover). */
  loadAtStart?: (deps: Deps) => boolean;
  /** Called at daemon stop if the service's module was loaded. */
  stopLoaded?: (deps: Deps) => void;
}

/**
 * A service registered with every method at start whose module (handlers and their
 * dependencies) is required on its first call: runtsd starts without loading what no client uses.
 * load() returns the real registration; its serving hook runs once it is loaded.
 */
export function loadedOnFirstCall(
  name: string, definition: () => grpc.ServiceDefinition, load: () => ServiceRegistration, options: LazyOptions = {},
): ServiceRegistration {
  const built = new WeakMap<Deps, grpc.UntypedServiceImplementation>();
  const listening = new WeakSet<Deps>();
  const real = (deps: Deps): grpc.UntypedServiceImplementation => {
    let handlers = built.get(deps);
    if (!handlers) {
      deps.log.debug('loading service', { service: name });
      const registration = load();
      handlers = registration.implementation(deps);
      built.set(deps, handlers);
      if (listening.has(deps)) registration.serving?.(deps);
    }
    return handlers;
  };
  return {
    name,
    definition,
    implementation: (deps) => {
      options.atStart?.(deps);
      return Object.fromEntries(Object.keys(definition()).map((method) => [
        method,
        (...args: unknown[]) => (real(deps)[method] as (...a: unknown[]) => unknown)(...args),
      ]));
    },
    serving: (deps) => {
      listening.add(deps);
      if (options.loadAtStart?.(deps)) real(deps);
    },
    stopped: (deps) => {
      if (built.has(deps)) options.stopLoaded?.(deps);
    },
  };
}
