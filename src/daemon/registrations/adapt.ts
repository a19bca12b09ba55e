// Serves services written as plain async handlers `(request, { namespace }) => response` (the
// snapshots and diff services) over grpc-js: the containerd-namespace header becomes the call
// context, a server-streaming handler returns its messages as an array, errors map to statuses.
import * as grpc from '@grpc/grpc-js';
import { Logger } from '../log';
import { failStream, namespaceOf, unary } from '../deps';

export interface CallContext {
  namespace: string;
}

export type PlainHandler = (request: never, ctx: CallContext) => Promise<unknown>;

export function adaptHandlers(
  log: Logger,
  handlers: Record<string, PlainHandler>,
  serverStreaming: string[] = [],
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const invoke = (call: { request: unknown; metadata: grpc.Metadata }) =>
      handler(call.request as never, { namespace: namespaceOf(call) });
    impl[method] = serverStreaming.includes(method)
      ? (call: grpc.ServerWritableStream<unknown, unknown>) => {
        Promise.resolve()
          .then(() => invoke(call))
          .then((messages) => {
            for (const m of messages as unknown[]) call.write(m);
            call.end();
          })
          .catch((err) => failStream(call, err));
      }
      : unary(log, invoke);
  }
  return impl;
}
