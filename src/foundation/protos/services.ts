// containerd's gRPC service definitions (runtsd serves them, runtsctl calls them), loaded from
// proto/ (shipped beside dist/ and src/). The services' files are parsed together, once: each
// alone would parse the imports they share again.
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');

// snake_case field names as on the wire; int64 as JS numbers (sizes and offsets fit in 2^53);
// enums by name; defaults filled in so handlers never see undefined scalars or maps.
const LOAD_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

// The directories (under proto/) whose files define the daemon's services, one per version dir.
const SERVICE_DIRS = ['containerd/services', 'grpc/health'];

/** Every .proto file under the service directories, relative to proto/. */
function serviceProtoFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(PROTO_DIR, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.proto')) files.push(child);
    }
  };
  SERVICE_DIRS.forEach(walk);
  return files.sort();
}

let services: { files: Set<string>; pkg: protoLoader.PackageDefinition } | undefined;
const loaded = new Map<string, protoLoader.PackageDefinition>();

function packageOf(protoFile: string): protoLoader.PackageDefinition {
  if (!services) {
    const files = serviceProtoFiles();
    services = { files: new Set(files), pkg: protoLoader.loadSync(files, LOAD_OPTIONS) };
  }
  if (services.files.has(protoFile)) return services.pkg;
  let pkg = loaded.get(protoFile);
  if (!pkg) {
    pkg = protoLoader.loadSync(protoFile, LOAD_OPTIONS);
    loaded.set(protoFile, pkg);
  }
  return pkg;
}

/** The definition of `fullName` (e.g. containerd.services.version.v1.Version) in protoFile. */
export function serviceDefinition(protoFile: string, fullName: string): grpc.ServiceDefinition {
  const pkg = packageOf(protoFile);
  const def = pkg[fullName];
  if (!def || 'format' in def) throw new Error(`service ${fullName} not found in ${protoFile}`);
  return def as grpc.ServiceDefinition;
}
