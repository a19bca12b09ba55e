// Plain grpc-js clients for runtsd's services, built from our proto/ files, for the calls ctr
// cannot make (bad arguments, partial writes, exact status codes).
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_DIR = path.resolve(__dirname, '../../../proto');
const FILES = [
  'containerd/services/content/v1/content.proto',
  'containerd/services/images/v1/images.proto',
  'containerd/services/leases/v1/leases.proto',
  'containerd/services/namespaces/v1/namespace.proto',
  'containerd/services/events/v1/events.proto',
  'containerd/services/diff/v1/diff.proto',
  'grpc/health/v1/health.proto',
];

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Client = any;

export interface Clients {
  content: Client;
  images: Client;
  leases: Client;
  namespaces: Client;
  events: Client;
  diff: Client;
  health: Client;
  close(): void;
}

export function connect(socket: string): Clients {
  const def = protoLoader.loadSync(FILES, { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [PROTO_DIR] });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const address = `unix://${socket}`;
  const creds = grpc.credentials.createInsecure();
  const make = (ctor: any) => new ctor(address, creds);
  const clients = {
    content: make(pkg.containerd.services.content.v1.Content),
    images: make(pkg.containerd.services.images.v1.Images),
    leases: make(pkg.containerd.services.leases.v1.Leases),
    namespaces: make(pkg.containerd.services.namespaces.v1.Namespaces),
    events: make(pkg.containerd.services.events.v1.Events),
    diff: make(pkg.containerd.services.diff.v1.Diff),
    health: make(pkg.grpc.health.v1.Health),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

export function meta(namespace?: string, lease?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (namespace !== undefined) md.set('containerd-namespace', namespace);
  if (lease) md.set('containerd-lease', lease);
  return md;
}

/** Promisified unary call. */
export function call<T = any>(client: Client, method: string, request: object, md = meta('default')): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, md, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** The gRPC status code a failing call ends with (or 'OK'). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return grpc.status[(err as grpc.ServiceError).code];
  }
}

/** Collects every message of a server stream. */
export function collect<T = any>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (m: T) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** A Content.Write session: send a request, await its one response. */
export class WriteSession {
  private readonly stream: grpc.ClientDuplexStream<any, any>;
  private readonly responses: any[] = [];
  private waiters: { resolve: (v: any) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;
  private ended = false;

  constructor(content: Client, md: grpc.Metadata) {
    this.stream = content.Write(md);
    this.stream.on('data', (m: any) => {
      const w = this.waiters.shift();
      if (w) w.resolve(m);
      else this.responses.push(m);
    });
    this.stream.on('error', (err: unknown) => {
      this.failure = err;
      for (const w of this.waiters.splice(0)) w.reject(err);
    });
    this.stream.on('end', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('stream ended'));
    });
  }

  send(request: object): Promise<any> {
    this.stream.write(request);
    if (this.responses.length) return Promise.resolve(this.responses.shift());
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new Error('stream ended'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Half-closes and waits until the server ends the call. */
  close(): Promise<void> {
    this.stream.end();
    return new Promise((resolve) => {
      if (this.ended || this.failure) resolve();
      this.stream.on('end', () => resolve());
      this.stream.on('error', () => resolve());
      this.stream.on('status', () => resolve());
    });
  }

  cancel(): void {
    this.stream.cancel();
  }
}
