// gRPC clients for runtsd's services, from the same proto/ files the daemon serves, with the
// namespace (and lease) headers containerd clients send on every call.
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../foundation/protos/services';
import { RuntsError } from '../foundation/errors';

const SERVICES = {
  content: ['containerd/services/content/v1/content.proto', 'containerd.services.content.v1.Content'],
  images: ['containerd/services/images/v1/images.proto', 'containerd.services.images.v1.Images'],
  leases: ['containerd/services/leases/v1/leases.proto', 'containerd.services.leases.v1.Leases'],
  namespaces: ['containerd/services/namespaces/v1/namespace.proto', 'containerd.services.namespaces.v1.Namespaces'],
  snapshots: ['containerd/services/snapshots/v1/snapshots.proto', 'containerd.services.snapshots.v1.Snapshots'],
  diff: ['containerd/services/diff/v1/diff.proto', 'containerd.services.diff.v1.Diff'],
  version: ['containerd/services/version/v1/version.proto', 'containerd.services.version.v1.Version'],
  containers: ['containerd/services/containers/v1/containers.proto', 'containerd.services.containers.v1.Containers'],
  tasks: ['containerd/services/tasks/v1/tasks.proto', 'containerd.services.tasks.v1.Tasks'],
  pull: ['runts/services/pull/v1/pull.proto', 'runts.services.pull.v1.Pull'],
} as const;

export type ServiceName = keyof typeof SERVICES;
/* eslint-disable @typescript-eslint/no-explicit-any */
type Message = any;

/** A gRPC failure from runtsd: its status code name and the daemon's message. */
export class DaemonError extends RuntsError {
  constructor(readonly code: string, what: string, readonly details: string) {
    super(`${what}: ${details} (${code})`);
    this.name = 'RuntsError';
  }
}

const codeName = (code: number) => grpc.status[code] ?? String(code);

/** Unary calls that do not go over the socket: runtsd's own services, called from inside runtsd. */
export interface LocalTransport {
  has(path: string): boolean;
  unary(path: string, request: Buffer, metadata: grpc.Metadata): Promise<Buffer>;
}

export class Client {
  private readonly clients = new Map<ServiceName, grpc.Client>();

  constructor(readonly address: string, readonly namespace: string, private lease = '', private readonly local?: LocalTransport) {}

  /** Sends later calls under this lease (the containerd-lease header); '' for none. */
  useLease(lease: string): void {
    this.lease = lease;
  }

  private client(service: ServiceName): grpc.Client {
    let c = this.clients.get(service);
    if (!c) {
      const [file, name] = SERVICES[service];
      const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(file, name), name);
      c = new Ctor(`unix://${this.address}`, grpc.credentials.createInsecure());
      this.clients.set(service, c);
    }
    return c;
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', this.namespace);
    if (this.lease) md.set('containerd-lease', this.lease);
    return md;
  }

  private failure(service: ServiceName, method: string, err: grpc.ServiceError): Error {
    if (err.code === grpc.status.UNAVAILABLE) {
      return new RuntsError(`cannot reach runtsd at ${this.address}: ${err.details || err.message}`);
    }
    return new DaemonError(codeName(err.code), `${service} ${method}`, err.details || err.message);
  }

  unary(service: ServiceName, method: string, request: Message): Promise<Message> {
    const definition = this.local && serviceDefinition(SERVICES[service][0], SERVICES[service][1])[method];
    if (definition && this.local!.has(definition.path)) {
      // encoded and decoded as over the socket: the handlers and the caller see the same shapes
      return this.local!.unary(definition.path, definition.requestSerialize(request), this.metadata())
        .then((bytes) => definition.responseDeserialize(bytes), (err) => { throw this.failure(service, method, err); });
    }
    const c = this.client(service) as any;
    return new Promise((resolve, reject) => {
      c[method](request, this.metadata(), (err: grpc.ServiceError | null, res: Message) =>
        (err ? reject(this.failure(service, method, err)) : resolve(res)));
    });
  }

  /** Every message of a server stream. */
  stream(service: ServiceName, method: string, request: Message): Promise<Message[]> {
    const call = (this.client(service) as any)[method](request, this.metadata()) as grpc.ClientReadableStream<Message>;
    return new Promise((resolve, reject) => {
      const out: Message[] = [];
      call.on('data', (m: Message) => out.push(m));
      call.on('error', (err: grpc.ServiceError) => reject(this.failure(service, method, err)));
      call.on('end', () => resolve(out));
    });
  }

  /** A server stream's messages as they arrive (Content.Read of a large blob). */
  async *iterate(service: ServiceName, method: string, request: Message): AsyncGenerator<Message> {
    const call = (this.client(service) as any)[method](request, this.metadata()) as grpc.ClientReadableStream<Message>;
    try {
      for await (const m of call) yield m;
    } catch (err) {
      throw this.failure(service, method, err as grpc.ServiceError);
    } finally {
      call.cancel();
    }
  }

  /** A bidirectional stream (Content.Write). */
  duplex(service: ServiceName, method: string): grpc.ClientDuplexStream<Message, Message> {
    return (this.client(service) as any)[method](this.metadata());
  }

  wrapError(service: ServiceName, method: string, err: grpc.ServiceError): Error {
    return this.failure(service, method, err);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** True when a call failed with this gRPC status name (NOT_FOUND, ALREADY_EXISTS...). */
export const hasCode = (err: unknown, code: string) => err instanceof DaemonError && err.code === code;
