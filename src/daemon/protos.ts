// Loads service definitions from proto/ (shipped beside dist/ and src/).
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

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

const loaded = new Map<string, protoLoader.PackageDefinition>();

/** The definition of `fullName` (e.g. containerd.services.version.v1.Version) in protoFile. */
export function serviceDefinition(protoFile: string, fullName: string): grpc.ServiceDefinition {
  let pkg = loaded.get(protoFile);
  if (!pkg) {
    pkg = protoLoader.loadSync(protoFile, LOAD_OPTIONS);
    loaded.set(protoFile, pkg);
  }
  const def = pkg[fullName];
  if (!def || 'format' in def) throw new Error(`service ${fullName} not found in ${protoFile}`);
  return def as grpc.ServiceDefinition;
}
