// Loads the .proto files shipped in proto/ (resolved from src/ or dist/ alike) into protobufjs
// roots, and turns messages to and from plain objects with one fixed set of conversions.
import * as path from 'path';
import * as protobuf from 'protobufjs';

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');

/** Loads files (relative to proto/<dir>); imports resolve inside that directory, except
 * containerd/* (the shared containerd types, defined once under proto/containerd). */
export function loadProtos(dir: string, files: string[]): protobuf.Root {
  const base = path.join(PROTO_DIR, dir);
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    // google/protobuf/* come from protobufjs's bundled well-known types.
    if (target.startsWith('google/protobuf/')) return target;
    if (target.startsWith('containerd/')) return path.join(PROTO_DIR, target);
    return path.isAbsolute(target) ? target : path.join(base, target);
  };
  root.loadSync(files.map((f) => path.join(base, f)));
  root.resolveAll();
  return root;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: Buffer, defaults: true, arrays: true };

/** A message type with plain-object encode/decode (int64 as number, bytes as Buffer). */
export class MessageCodec<T extends object> {
  constructor(readonly type: protobuf.Type) {}

  /** fromObject converts as protobufjs does: 64-bit fields also take decimal strings. */
  encode(value: Partial<T>): Buffer {
    return Buffer.from(this.type.encode(this.type.fromObject(value as Record<string, unknown>)).finish());
  }

  decode(bytes: Uint8Array): T {
    return this.type.toObject(this.type.decode(bytes), TO_OBJECT) as T;
  }
}

export function codec<T extends object>(root: protobuf.Root, fullName: string): MessageCodec<T> {
  return new MessageCodec<T>(root.lookupType(fullName));
}
