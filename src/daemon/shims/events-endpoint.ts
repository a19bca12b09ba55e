// runtsd's ttrpc socket (<grpc address>.ttrpc, as containerd's): shims call
// containerd.services.events.ttrpc.v1.Events/Forward there, and each envelope they forward goes
// into the daemon's event exchange unchanged.
import * as fs from 'fs';
import { TtrpcServer, CallContext } from '../../foundation/ttrpc/server';
import { Code, TtrpcError } from '../../foundation/ttrpc/status';
import { EVENTS_SERVICE, emptyCodec, forwardRequestCodec } from '../../foundation/protos/shim';
import { systemError } from '../../foundation/errors';
import { EventExchange } from '../exchange';

const NAMESPACE_METADATA = 'containerd-namespace-ttrpc';

export async function serveShimEvents(socket: string, events: EventExchange): Promise<TtrpcServer> {
  const server = new TtrpcServer();
  server.register(EVENTS_SERVICE, {
    Forward: async (payload: Buffer, ctx: CallContext) => {
      const { envelope } = forwardRequestCodec.decode(payload);
      const namespace = envelope?.namespace || ctx.metadata.get(NAMESPACE_METADATA)?.[0];
      if (!envelope || !namespace || !envelope.topic || !envelope.event) {
        throw new TtrpcError(Code.INVALID_ARGUMENT, 'forwarded event needs a namespace, a topic and an event');
      }
      events.publishEnvelope({
        timestamp: envelope.timestamp ?? { seconds: 0, nanos: 0 },
        namespace,
        topic: envelope.topic,
        event: { type_url: envelope.event.type_url, value: Buffer.from(envelope.event.value) },
      });
      return emptyCodec.encode({});
    },
  });
  // The gRPC socket beside it was claimed already, so a file here is a dead daemon's.
  fs.rmSync(socket, { force: true });
  try {
    await server.listen(socket);
  } catch (err) {
    throw systemError(`listening on ${socket}`, err);
  }
  fs.chmodSync(socket, 0o660);
  return server;
}
