// The precompiled descriptors the shim loads (proto/<dir>/<set>.json) say exactly what the .proto
// files say. After changing a .proto file: UPDATE_PROTO_DESCRIPTORS=1 npx jest test/unit/foundation/proto-descriptors
import * as fs from 'fs';
import * as protobuf from 'protobufjs';
import { descriptorPath, loadProtoSet, parseProtoSet, PROTO_SETS, ProtoSet } from '../../../src/foundation/protos/loader';

describe.each(Object.keys(PROTO_SETS) as ProtoSet[])('the %s protos', (set) => {
  it('are precompiled from the current .proto files', () => {
    const parsed = `${JSON.stringify(parseProtoSet(set).toJSON(), null, 1)}\n`;
    if (process.env.UPDATE_PROTO_DESCRIPTORS) fs.writeFileSync(descriptorPath(set), parsed);
    expect(fs.readFileSync(descriptorPath(set), 'utf8')).toBe(parsed);
  });

  it('load every message with the same fields as the .proto files', () => {
    const fromJson = loadProtoSet(set);
    const fromProto = parseProtoSet(set);
    const types = collectTypes(fromProto);
    expect(types.length).toBeGreaterThan(0);
    const fieldsOf = (t: protobuf.Type) => t.fieldsArray.map((f) => `${f.id} ${f.name} ${f.rule ?? ''} ${f.resolvedType?.fullName ?? f.type}`);
    for (const name of types) expect(fieldsOf(fromJson.lookupType(name))).toEqual(fieldsOf(fromProto.lookupType(name)));
  });
});

function collectTypes(ns: { nestedArray: unknown[] }, out: string[] = []): string[] {
  for (const child of ns.nestedArray as Array<{ fullName: string; nestedArray?: unknown[]; fields?: unknown }>) {
    if (child.fields) out.push(child.fullName.slice(1));
    if (child.nestedArray) collectTypes(child as { nestedArray: unknown[] }, out);
  }
  return out;
}
