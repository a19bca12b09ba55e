// Kubernetes' portforward protocol (portforward.k8s.io) on a SPDY session: for each connection
// the client opens an error stream and a data stream with the same requestID and port headers;
// once both are there the pair is handed on. Older clients send no requestID: their pairs are
// told apart by stream ids, as kubelet does (error n, data n + 2).
import { StreamEndpoint } from './server';
import { SpdySession, SpdyStream } from './spdy';

const PAIR_WAIT_MS = 30_000;

export interface PortPair {
  port: number;
  data: SpdyStream;
  error: SpdyStream;
}

/** forward runs once per pair; a bad port is answered on the pair's error stream. */
export function portForward(forward: (pair: PortPair, closed: Promise<void>) => void): StreamEndpoint {
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
        const port = Number(stream.headers.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          pair.error.end(`invalid port ${JSON.stringify(stream.headers.port ?? '')}: want 1-65535`);
          pair.data.end();
          return;
        }
        forward({ port, data: pair.data, error: pair.error }, session.closed);
      });
    },
  };
}
