// protobufjs definitions for ttrpc and the shim's containerd messages: each set of .proto files
// in proto/ is precompiled to a protobufjs JSON descriptor beside it (proto/<dir>/<set>.json),
// which loads without parsing; test/unit/foundation/proto-descriptors.test.ts keeps the JSON
// equal to the .proto sources. Messages go to and from plain objects with one fixed set of
// conversions. protobufjs is required when a set is first used: runtsd starts without it.
import * as fs from 'fs';
import * as path from 'path';
import type * as Protobuf from 'protobufjs';

const protobufjs = () => require('protobufjs') as typeof Protobuf;

const PROTO_DIR = path.join(__dirname, '..', '..', '..', 'proto');

/** The sets the shim loads: files relative to proto/<dir>. */
export const PROTO_SETS = {
  shim: { dir: 'shim', files: ['task.proto', 'events/task.proto', 'events/forward.proto', 'runc-options.proto'] },
  metrics: { dir: 'shim', files: ['cgroups/v1-metrics.proto', 'cgroups/v2-metrics.proto'] },
  ttrpc: { dir: 'ttrpc', files: ['ttrpc.proto'] },
};
export type ProtoSet = keyof typeof PROTO_SETS;

export function descriptorPath(set: ProtoSet): string {
  return path.join(PROTO_DIR, PROTO_SETS[set].dir, `${set}.json`);
}

/** A set from its precompiled descriptor. */
export function loadProtoSet(set: ProtoSet): Protobuf.Root {
  const root = protobufjs().Root.fromJSON(JSON.parse(fs.readFileSync(descriptorPath(set), 'utf8')) as Protobuf.INamespace);
  root.resolveAll();
  return root;
}

/** A set parsed from its .proto files; imports resolve inside proto/<dir>, except containerd/*
 * (the shared containerd types, defined once under proto/containerd). */
export function parseProtoSet(set: ProtoSet): Protobuf.Root {
  const { dir, files } = PROTO_SETS[set];
  const base = path.join(PROTO_DIR, dir);
  const root = new (protobufjs().Root)();
  root.resolvePath = (_origin, target) => {
    // google/protobuf/* come from protobufjs's bundled well-known types.
    if (target.startsWith('google/protobuf/')) return target;
    if (target.startsWith('containerd/')) return path.join(PROTO_DIR, target);
    return path.isAbsolute(target) ? target : path.join(base, target);
  };
  root.loadSync(files.map((f) => path.join(base, f)));
  root.resolveAll();
  return root;
}

const loadedSets = new Map<ProtoSet, Protobuf.Root>();

/** A set, loaded once (the shim's startup snapshot loads its sets while it is built). */
export function protoSet(set: ProtoSet): Protobuf.Root {
  let root = loadedSets.get(set);
  if (!root) {
    root = loadProtoSet(set);
    loadedSets.set(set, root);
  }
  return root;
}

/**
 * Generates every message type's encoder, decoder and converters of a set now, as protobufjs
 * would on each type's first use (~40 ms of a new shim's first Create): a startup snapshot built
 * after this holds them generated.
 */
export function generateCodecs(set: ProtoSet): void {
  const { Namespace, Type } = protobufjs();
  const visit = (ns: Protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof Type) nested.setup();
      if (nested instanceof Namespace) visit(nested);
    }
  };
  visit(protoSet(set));
}

const TO_OBJECT: Protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: Buffer, defaults: true, arrays: true };

/** A message type with plain-object encode/decode (int64 as number, bytes as Buffer), looked up
 * in its set on first use. */
export class MessageCodec<T extends object> {
  private resolved: Protobuf.Type | undefined;

  constructor(private readonly set: ProtoSet, private readonly fullName: string) {}

  get type(): Protobuf.Type {
    this.resolved ??= protoSet(this.set).lookupType(this.fullName);
    return this.resolved;
  }

  /** fromObject converts as protobufjs does: 64-bit fields also take decimal strings. */
  encode(value: Partial<T>): Buffer {
    return Buffer.from(this.type.encode(this.type.fromObject(value as Record<string, unknown>)).finish());
  }

  decode(bytes: Uint8Array): T {
    return this.type.toObject(this.type.decode(bytes), TO_OBJECT) as T;
  }
}

export function codec<T extends object>(set: ProtoSet, fullName: string): MessageCodec<T> {
  return new MessageCodec<T>(set, fullName);
}
