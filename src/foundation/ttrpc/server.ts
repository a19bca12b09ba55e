// A ttrpc server on a unix socket: requests are dispatched by service and method to async
// handlers and answered as each finishes, so slow calls (Wait) never block fast ones (Start).
import * as net from 'net';
import { encodeFrame, Frame, FrameDecoder, MAX_PAYLOAD, MessageType, OversizeFrame } from './frame';
import { requestCodec, responseCodec, RequestEnvelope } from './envelope';
import { Code, statusOf, TtrpcError } from './status';

export interface CallContext {
  service: string;
  method: string;
  /** metadata keys may repeat, as in gRPC */
  metadata: Map<string, string[]>;
  timeoutNano: number;
}

export type Handler = (payload: Buffer, ctx: CallContext) => Promise<Uint8Array>;

export class TtrpcServer {
  private readonly services = new Map<string, Map<string, Handler>>();
  private readonly connections = new Set<net.Socket>();
  private server: net.Server | undefined;

  register(service: string, methods: Record<string, Handler>): void {
    const table = this.services.get(service) ?? new Map<string, Handler>();
    for (const [name, handler] of Object.entries(methods)) table.set(name, handler);
    this.services.set(service, table);
  }

  listen(socketPath: string): Promise<void> {
    const server = net.createServer((conn) => this.serve(conn));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting, drops every connection, removes the socket file (net does that). */
  close(): Promise<void> {
    for (const conn of this.connections) conn.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private serve(conn: net.Socket): void {
    this.connections.add(conn);
    const reply = (streamId: number, code: Code, message: string, payload: Uint8Array = Buffer.alloc(0)) => {
      if (conn.destroyed) return;
      let body = responseCodec.encode({ status: { code, message }, payload: Buffer.from(payload) });
      if (body.length > MAX_PAYLOAD) {
        body = responseCodec.encode({
          status: { code: Code.RESOURCE_EXHAUSTED, message: `response of ${body.length} bytes exceeds ${MAX_PAYLOAD}` },
        });
      }
      conn.write(encodeFrame(streamId, MessageType.Response, body));
    };
    const decoder = new FrameDecoder((frame: OversizeFrame) =>
      reply(frame.streamId, Code.RESOURCE_EXHAUSTED, `message length ${frame.length} exceeds maximum message size of ${MAX_PAYLOAD}`),
    );
    conn.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) this.onFrame(frame, reply);
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => this.connections.delete(conn));
  }

  private onFrame(frame: Frame, reply: (id: number, code: Code, msg: string, payload?: Uint8Array) => void): void {
    // Unknown message types are ignored for forward compatibility, as ttrpc does.
    if (frame.type !== MessageType.Request) return;
    let request: RequestEnvelope;
    try {
      request = requestCodec.decode(frame.payload);
    } catch (err) {
      reply(frame.streamId, Code.INVALID_ARGUMENT, `unmarshal request error: ${(err as Error).message}`);
      return;
    }
    if (frame.streamId % 2 !== 1) {
      reply(frame.streamId, Code.INVALID_ARGUMENT, 'StreamID must be odd for client initiated streams');
      return;
    }
    this.dispatch(request).then(
      (payload) => reply(frame.streamId, Code.OK, '', payload),
      (err) => {
        const status = statusOf(err);
        reply(frame.streamId, status.code, status.message);
      },
    );
  }

  private async dispatch(request: RequestEnvelope): Promise<Uint8Array> {
    const service = this.services.get(request.service);
    if (!service) throw new TtrpcError(Code.UNIMPLEMENTED, `service ${request.service}`);
    const handler = service.get(request.method);
    if (!handler) throw new TtrpcError(Code.UNIMPLEMENTED, `method ${request.method}`);
    const metadata = new Map<string, string[]>();
    for (const { key, value } of request.metadata) metadata.set(key, [...(metadata.get(key) ?? []), value]);
    const ctx: CallContext = { service: request.service, method: request.method, metadata, timeoutNano: request.timeoutNano };
    const work = handler(request.payload, ctx);
    if (request.timeoutNano <= 0) return work;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TtrpcError(Code.DEADLINE_EXCEEDED, `${request.service}/${request.method}: context deadline exceeded`)),
        Math.ceil(request.timeoutNano / 1e6),
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
