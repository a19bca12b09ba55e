// The CRI streaming server: Exec returns a one-time URL on it; kubelet or crictl upgrades an
// HTTP request there to SPDY/3.1 with the Kubernetes channel protocol and opens one stream per
// channel (error, stdout, stderr). Listens on the configured address
// (127.0.0.1 by default) from the first request on; tokens expire after a minute.
import { randomBytes } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { SpdyStream, spdyServerSession } from './spdy';

const TOKEN_TTL_MS = 60_000;
const STREAMS_WAIT_MS = 10_000;
/** Newest first: v4 carries a metav1.Status on the error stream (exit codes). */
const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export interface StreamOptions { stdout: boolean; stderr: boolean }

export interface Channels {
  protocol: string;
  error: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
}

export type StreamHandler = (channels: Channels) => Promise<void>;

interface Pending { options: StreamOptions; handler: StreamHandler; timer: NodeJS.Timeout }

export class StreamingServer {
  private server: http.Server | undefined;
  private listening: Promise<string> | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly address: string, private readonly port: number, private readonly onError: (err: unknown) => void) {}

  /** A one-time URL whose SPDY session runs handler once the client's streams are all open. */
  async url(kind: 'exec', options: StreamOptions, handler: StreamHandler): Promise<string> {
    const base = await this.listen();
    const token = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.pending.delete(token), TOKEN_TTL_MS);
    timer.unref();
    this.pending.set(token, { options, handler, timer });
    return `${base}/${kind}/${token}`;
  }

  private listen(): Promise<string> {
    this.listening ??= new Promise((resolve, reject) => {
      const server = http.createServer((_req, res) => {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end('this endpoint needs an upgrade to SPDY/3.1\n');
      });
      server.on('upgrade', (req, socket: net.Socket) => {
        try {
          this.upgrade(req, socket);
        } catch (err) {
          socket.destroy();
          this.onError(err);
        }
      });
      server.once('error', reject);
      server.listen(this.port, this.address, () => {
        const { port } = server.address() as net.AddressInfo;
        this.server = server;
        resolve(`http://${this.address.includes(':') ? `[${this.address}]` : this.address}:${port}`);
      });
    });
    return this.listening;
  }

  private upgrade(req: http.IncomingMessage, socket: net.Socket): void {
    const token = /^\/exec\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    const pending = token ? this.pending.get(token) : undefined;
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
    const protocol = PROTOCOLS.find((p) => offered.includes(p));
    const refuse = (status: string, why: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
    };
    if (!pending || !token) return refuse('404 Not Found', 'unknown or expired streaming token');
    if (String(req.headers.upgrade).toLowerCase() !== 'spdy/3.1') return refuse('400 Bad Request', 'only SPDY/3.1 is served');
    if (!protocol) return refuse('403 Forbidden', `no supported stream protocol offered (want one of ${PROTOCOLS.join(', ')})`);
    this.pending.delete(token);
    clearTimeout(pending.timer);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    const session = spdyServerSession(socket);
    // the streams client-go opens: error always, then each requested output
    const wanted = ['error', ...(['stdout', 'stderr'] as const).filter((o) => pending.options[o])];
    const streams = new Map<string, SpdyStream>();
    let started = false;
    const timer = setTimeout(() => session.close(), STREAMS_WAIT_MS);
    session.onStream((stream) => {
      stream.respond(200, {});
      streams.set(stream.headers.streamtype, stream);
      if (started || wanted.some((w) => !streams.has(w))) return;
      started = true;
      clearTimeout(timer);
      const channels: Channels = { protocol, error: streams.get('error')!, stdout: streams.get('stdout'), stderr: streams.get('stderr') };
      pending.handler(channels)
        .catch((err) => this.onError(err))
        .finally(() => session.close());
    });
  }

  close(): void {
    this.server?.close();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
