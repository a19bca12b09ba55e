// How a gRPC service plugs into runtsd: see the contract at the top of server.ts.
import * as grpc from '@grpc/grpc-js';
import { Deps } from './deps';

export interface ServiceRegistration {
  /** Plugin id shown by `ctr plugins ls` (type io.containerd.grpc.v1), e.g. "content". */
  name: string;
  /** The grpc-js service definition, usually serviceDefinition(protoFile, fullName). */
  definition: () => grpc.ServiceDefinition;
  /** Builds the handlers from the shared dependency bag. */
  implementation: (deps: Deps) => grpc.UntypedServiceImplementation;
  /** Called once the daemon is listening (a service that calls the daemon itself starts here). */
  serving?: (deps: Deps) => void;
}
