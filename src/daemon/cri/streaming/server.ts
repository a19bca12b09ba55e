// The CRI streaming server: Exec, Attach and PortForward return a one-time URL on it; kubelet or
// crictl upgrades an HTTP request there to SPDY/3.1 with a Kubernetes stream protocol (the
// remotecommand channels for exec/attach, portforward.k8s.io) and opens its streams, or to a
// WebSocket with a channel subprotocol (v5.channel.k8s.io, v4.channel.k8s.io, ...). Listens on
// the configured address (127.0.0.1 by default) from the first request on; tokens expire after
// a minute. The SPDY and WebSocket libraries load with that first request too, not with the plugin.
import { randomBytes } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import type { WebSocketServer } from 'ws';
import type { SpdySession } from './spdy';
import type { ChannelConnection } from './wsstream';

const TOKEN_TTL_MS = 60_000;

export type StreamKind = 'exec' | 'attach' | 'portforward';

/** What a URL serves: the protocols it speaks (newest first) and the session once upgraded. */
export interface StreamEndpoint {
  protocols: string[];
  serve(session: SpdySession, protocol: string): void;
  /** The same over a WebSocket: its subprotocols (newest first), and the connection once open. */
  websocket?: {
    protocols: string[];
    /** What a client that offers no subprotocol gets: kubelet serves it binary channels */
    unnamed: string;
    serve(conn: ChannelConnection, protocol: string): void;
  };
}

interface Pending { kind: StreamKind; endpoint: StreamEndpoint; timer: NodeJS.Timeout }

export class StreamingServer {
  private server: http.Server | undefined;
  private listening: Promise<string> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly sessions = new Set<{ close(): void }>();
  /** The subprotocol chosen for each WebSocket upgrade, for ws's handshake to answer. */
  private readonly chosen = new WeakMap<http.IncomingMessage, string>();
  private wss: WebSocketServer | undefined;
  private spdy: typeof import('./spdy') | undefined;

  /** idleTimeoutMs: a session with no traffic either way for that long is closed (0: never). */
  constructor(private readonly address: string, private readonly port: number, private readonly idleTimeoutMs: number,
    private readonly onError: (err: unknown) => void) {}

  /** A one-time URL whose upgraded session goes to endpoint. */
  async url(kind: StreamKind, endpoint: StreamEndpoint): Promise<string> {
    const base = await this.listen();
    this.spdy ??= require('./spdy') as typeof import('./spdy'); // before the client comes to upgrade
    const token = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.pending.delete(token), TOKEN_TTL_MS);
    timer.unref();
    this.pending.set(token, { kind, endpoint, timer });
    return `${base}/${kind}/${token}`;
  }

  private listen(): Promise<string> {
    this.listening ??= new Promise((resolve, reject) => {
      const server = http.createServer((_req, res) => {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end('this endpoint needs an upgrade to SPDY/3.1\n');
      });
      server.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
        try {
          this.upgrade(req, socket, head);
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

  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const [, kind, token] = /^\/(exec|attach|portforward)\/([0-9a-f]+)$/.exec(req.url ?? '') ?? [];
    const pending = token ? this.pending.get(token) : undefined;
    const refuse = (status: string, why: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
    };
    if (!pending || pending.kind !== kind) return refuse('404 Not Found', 'unknown or expired streaming token');
    if (String(req.headers.upgrade).toLowerCase() === 'websocket') return this.upgradeWebSocket(req, socket, head, token, pending, refuse);
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
    const protocol = pending.endpoint.protocols.find((p) => offered.includes(p));
    if (String(req.headers.upgrade).toLowerCase() !== 'spdy/3.1') return refuse('400 Bad Request', 'only SPDY/3.1 and WebSocket are served');
    if (!protocol) return refuse('403 Forbidden', `no supported stream protocol offered (want one of ${pending.endpoint.protocols.join(', ')})`);
    this.pending.delete(token);
    clearTimeout(pending.timer);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    const session = this.spdy!.spdyServerSession(socket);
    this.sessions.add(session);
    session.closed.then(() => this.sessions.delete(session));
    this.closeWhenIdle(socket, session);
    pending.endpoint.serve(session, protocol);
  }

  private upgradeWebSocket(req: http.IncomingMessage, socket: net.Socket, head: Buffer, token: string, pending: Pending,
    refuse: (status: string, why: string) => void): void {
    const ws = pending.endpoint.websocket;
    if (!ws) return refuse('400 Bad Request', `${pending.kind} is served over SPDY/3.1 only`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    // no subprotocol offered: the handshake names none, the session speaks `unnamed`
    const protocol = offered.length === 0 ? ws.unnamed : ws.protocols.find((p) => offered.includes(p));
    if (!protocol) return refuse('400 Bad Request', `no supported WebSocket subprotocol offered (want one of ${ws.protocols.join(', ')})`);
    this.pending.delete(token);
    clearTimeout(pending.timer);
    this.chosen.set(req, protocol);
    const { WebSocketServer: Server } = require('ws') as typeof import('ws');
    const { channelConnection } = require('./wsstream') as typeof import('./wsstream');
    this.wss ??= new Server({ noServer: true, handleProtocols: (_offered, req) => this.chosen.get(req) ?? false });
    this.wss.handleUpgrade(req, socket, head, (websocket) => {
      const conn = channelConnection(websocket, protocol);
      this.sessions.add(conn);
      conn.closed.then(() => this.sessions.delete(conn));
      this.closeWhenIdle(socket, conn); // after ws's own setTimeout(0) on the socket
      ws.serve(conn, protocol);
    });
  }

  /** containerd's stream_idle_timeout: any byte in or out restarts the clock. */
  private closeWhenIdle(socket: net.Socket, session: { close(): void }): void {
    if (this.idleTimeoutMs > 0) socket.setTimeout(this.idleTimeoutMs, () => session.close());
  }

  close(): void {
    this.server?.close();
    for (const s of this.sessions) s.close();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
