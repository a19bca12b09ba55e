// Serves the snapshots and diff handlers over gRPC on a unix socket the way runtsd will: the
// containerd-namespace metadata becomes the call context, RuntsError kinds become status codes.
import * as fs from 'fs';
import * as path from 'path';

export const PROTO_DIR = path.resolve(__dirname, '../../../proto');
const NEEDED = ['containerd/types/mount.proto', 'containerd/types/descriptor.proto', 'google/protobuf/empty.proto'];

/** The gRPC libraries and the shared type protos come with the daemon's branch. */
export function grpcAvailable(): boolean {
  try {
    require.resolve('@grpc/grpc-js');
    require.resolve('@grpc/proto-loader');
  } catch {
    return false;
  }
  return NEEDED.every((f) => fs.existsSync(path.join(PROTO_DIR, f)));
}

const STATUS_BY_KIND: Record<string, number> = {
  invalid: 3, 'not-found': 5, exists: 6, state: 9, unsupported: 12, system: 13,
};

type Handler = (req: any, ctx: { namespace: string }) => Promise<any>;

export async function serve(socket: string, services: Array<{ name: string; handlers: Record<string, Handler>; streaming?: string[] }>) {
  const grpc = require('@grpc/grpc-js');
  const loader = require('@grpc/proto-loader');
  const definition = loader.loadSync(
    ['containerd/services/snapshots/v1/snapshots.proto', 'containerd/services/diff/v1/diff.proto'],
    { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [PROTO_DIR] },
  );
  const loaded = grpc.loadPackageDefinition(definition);
  const lookup = (name: string) => name.split('.').reduce((o: any, k) => o[k], loaded);
  const server = new grpc.Server();
  for (const svc of services) {
    const impl: Record<string, unknown> = {};
    for (const [method, handler] of Object.entries(svc.handlers)) {
      const context = (call: any) => ({ namespace: String(call.metadata.get('containerd-namespace')[0] ?? '') });
      const status = (err: any) => ({ code: STATUS_BY_KIND[err?.kind] ?? 2, details: String(err?.message ?? err) });
      impl[method] = svc.streaming?.includes(method)
        ? (call: any) => handler(call.request, context(call)).then(
          (messages: unknown[]) => { for (const m of messages) call.write(m); call.end(); },
          (err: unknown) => call.destroy(Object.assign(new Error(status(err).details), status(err))))
        : (call: any, callback: any) => handler(call.request, context(call)).then((r) => callback(null, r), (err) => callback(status(err)));
    }
    server.addService(lookup(svc.name).service, impl);
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err: Error | null) => (err ? reject(err) : resolve())));
  const client = (name: string) => {
    const Ctor = lookup(name);
    return new Ctor(`unix://${socket}`, grpc.credentials.createInsecure());
  };
  const metadata = (namespace: string) => {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', namespace);
    return md;
  };
  return { server, client, metadata, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}
