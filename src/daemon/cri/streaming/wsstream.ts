// Kubernetes' channel framing on a WebSocket (as apimachinery's wsstream): every message starts
// with its channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize). The binary subprotocols
// carry that byte and raw data; the base64 ones a text message, the channel as a digit and the
// data base64-encoded. v5 adds the close message [255, channel]: the client's end of that
// channel (stdin's EOF). Each channel is presented as a Duplex, as a SPDY stream would be.
import { Duplex } from 'stream';
import type { WebSocket } from 'ws';

const CLOSE_CHANNEL = 255;

export interface ChannelConnection {
  channel(n: number): Duplex;
  /** Sends an empty message on a channel (kubelet's "the connection is up"). */
  announce(n: number): void;
  /** Settles when the WebSocket is gone. */
  closed: Promise<void>;
  close(): void;
}

export function channelConnection(ws: WebSocket, protocol: string): ChannelConnection {
  const base64 = protocol.includes('base64');
  const send = (n: number, data: Buffer, done?: () => void) => {
    if (ws.readyState !== ws.OPEN) return done?.();
    const message = base64 ? String.fromCharCode(48 + n) + data.toString('base64') : Buffer.concat([Buffer.from([n]), data]);
    ws.send(message, { binary: !base64 }, () => done?.());
  };
  const channels = new Map<number, Duplex>();
  // channels whose reader is behind: the socket is not read until each has caught up, so a
  // client cannot pile its input up in runtsd's memory (TCP pushes back on it instead)
  const behind = new Set<number>();
  const channel = (n: number) => {
    let stream = channels.get(n);
    if (!stream) {
      stream = new Duplex({
        read: () => {
          if (behind.delete(n) && behind.size === 0) ws.resume();
        },
        // a message for a client already gone is dropped, as a reset SPDY stream's is
        write: (chunk: Buffer, _encoding, callback) => send(n, chunk, () => callback()),
      });
      channels.set(n, stream);
    }
    return stream;
  };
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    let data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
    if (data.length === 0) return;
    if (protocol === 'v5.channel.k8s.io' && data[0] === CLOSE_CHANNEL) {
      if (data.length > 1) channels.get(data[1])?.push(null);
      return;
    }
    let n = data[0];
    if (base64 && !isBinary) {
      n -= 48;
      data = Buffer.from(data.subarray(1).toString(), 'base64');
    } else {
      data = data.subarray(1);
    }
    const stream = channels.get(n);
    if (stream && !stream.readableEnded && data.length > 0 && !stream.push(data)) {
      behind.add(n);
      ws.pause();
    }
  });
  ws.on('error', () => ws.terminate());
  const closed = new Promise<void>((resolve) => ws.once('close', () => {
    for (const stream of channels.values()) stream.destroy();
    resolve();
  }));
  return {
    channel,
    announce: (n) => send(n, Buffer.alloc(0)),
    closed,
    close: () => {
      ws.close(1000);
      setTimeout(() => ws.terminate(), 1000).unref();
    },
  };
}
