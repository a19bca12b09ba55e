// Kubernetes' portforward protocol (portforward.k8s.io) on a SPDY session: for each connection
// the client opens an error stream and a data stream with the same requestID and port headers;
// once both are there the pair is handed on. Older clients send no requestID: their pairs are
// told apart by stream ids, as kubelet does (error n, data n + 2). On a WebSocket
// (v4.channel.k8s.io, v4.base64.channel.k8s.io) there is one connection per port of the CRI
// request: channel 2i its data, 2i + 1 its error, each starting with the port (16 bits, little
// endian); the WebSocket closes once every pair has ended.
import { ChannelStream } from './remotecommand';
import { StreamEndpoint } from './server';
import { SpdySession } from './spdy';
import { ChannelConnection } from './wsstream';

const PAIR_WAIT_MS = 30_000;

export interface PortPair {
  port: number;
  data: ChannelStream;
  error: ChannelStream;
}

const WS_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** forward runs once per pair; a bad port is answered on the pair's error stream. ports: the
 * CRI request's, for WebSocket clients (SPDY ones name the port in each pair's headers). */
export function portForward(forward: (pair: PortPair, closed: Promise<void>) => void, ports: number[] = []): StreamEndpoint {
  return {
    protocols: ['portforward.k8s.io'],
    serve: (session: SpdySession) => {
      const pending = new Map<string, Partial<PortPair> & { timer: NodeJS.Timeout }>();
      session.onStream((stream) => {
        const type = stream.headers.streamtype;
        if (type !== 'data' && type !== 'error') return stream.destroy();
        const id = stream.headers.requestid ?? String(Number((stream as unknown as { id: number }).id) - (type === 'data' ? 2 : 0));
        let pair = pending.get(id);
        if (!pair) {
          // a half pair never completed: its stream is dropped
          const timer = setTimeout(() => { pending.delete(id); stream.destroy(); }, PAIR_WAIT_MS);
          timer.unref();
          pair = { timer };
          pending.set(id, pair);
        }
        pair[type] = stream;
        if (!pair.data || !pair.error) return;
        pending.delete(id);
        clearTimeout(pair.timer);
        forwardChecked(stream.headers.port ?? '', pair.data, pair.error, session.closed, forward);
      });
    },
    websocket: {
      protocols: WS_PROTOCOLS,
      unnamed: 'v4.channel.k8s.io',
      serve: (conn: ChannelConnection) => {
        const ended = ports.map((port, i) => {
          const data = conn.channel(2 * i);
          const error = conn.channel(2 * i + 1);
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16LE(port & 0xffff);
          data.write(prefix);
          error.write(prefix);
          const done = new Promise<void>((resolve) => { error.once('finish', resolve); error.once('close', resolve); });
          forwardChecked(String(port), data, error, conn.closed, forward);
          return done;
        });
        void Promise.all(ended).then(() => conn.close());
      },
    },
  };
}

function forwardChecked(portText: string, data: ChannelStream, error: ChannelStream, closed: Promise<void>,
  forward: (pair: PortPair, closed: Promise<void>) => void): void {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    error.end(`invalid port ${JSON.stringify(portText)}: want 1-65535`);
    data.end();
    return;
  }
  forward({ port, data, error }, closed);
}
