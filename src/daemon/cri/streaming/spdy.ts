// SPDY/3.1 as kubelet's streaming clients speak it (client-go's remotecommand and portforward
// over moby's spdystream), on spdy-transport (node-spdy's framing, flow control and header
// compression). spdystream's streams carry only their own headers (streamtype, port, ...), where
// spdy-transport wants an HTTP request's :method and :path: the parser's header step fills those
// two in, and nothing else.
import * as net from 'net';
/* eslint-disable @typescript-eslint/no-var-requires, @typescript-eslint/no-explicit-any */
const transport = require('spdy-transport');

type HeadersCallback = (err: Error | null, headers?: Record<string, string>) => void;

/** Lets this connection's parser take spdystream's header-only streams. */
function acceptPlainStreams(conn: any): void {
  const parser = conn._spdyState.parser;
  const parseKVs = parser.parseKVs;
  parser.parseKVs = function parseStreamHeaders(buffer: unknown, callback: HeadersCallback) {
    parseKVs.call(this, buffer, (err: Error | null, headers?: Record<string, string>) => {
      if (!err && headers && headers.streamtype !== undefined) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
  };
}

export interface SpdyStream extends NodeJS.ReadWriteStream {
  headers: Record<string, string>;
  respond(status: number, headers: Record<string, string>): void;
  destroy(): void;
}

export interface SpdySession {
  onStream(listener: (stream: SpdyStream) => void): void;
  /** Settles when the connection is gone (the client left, or close()). */
  closed: Promise<void>;
  close(): void;
}

/** A server-side SPDY/3.1 session on a socket that has just been upgraded. */
export function spdyServerSession(socket: net.Socket): SpdySession {
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true });
  acceptPlainStreams(conn);
  // spdystream frames are SPDY/3 (the Upgrade says 3.1): no session-wide flow-control window
  conn.start(3);
  // spdystream never sends WINDOW_UPDATE (kubelet's own server does no flow control): a 64 KiB
  // send window would stall every stream after its first 64 KiB
  conn._setDefaultWindow({ initial_window_size: 0x7fffffff });
  conn.on('error', () => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    onStream: (listener) => conn.on('stream', (stream: SpdyStream) => {
      // a client that goes away resets its streams: nothing to report, the session ends anyway
      stream.on('error', () => undefined);
      stream.respond(200, {});
      listener(stream);
    }),
    closed,
    close: () => {
      conn.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
    },
  };
}
