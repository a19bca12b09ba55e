// Just enough of the protobuf wire format to read messages made only of string/bytes fields
// (google.protobuf.Any, runtimeoptions.v1.Options) without loading the .proto files: `start`
// runs once per container and must stay cheap.
import { invalid } from '../foundation/errors';

/** The length-delimited fields of a message by field number (the last occurrence wins). */
export function lengthDelimitedFields(message: Buffer, what: string): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 50; shift += 7) {
      if (pos >= message.length) throw invalid(`${what}: truncated protobuf message`);
      const byte = message[pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw invalid(`${what}: malformed protobuf varint`);
  };
  const skip = (n: number) => {
    if (pos + n > message.length) throw invalid(`${what}: truncated protobuf message`);
    pos += n;
  };
  while (pos < message.length) {
    const key = varint();
    const wireType = key % 8;
    const field = Math.floor(key / 8);
    if (wireType === 0) varint();
    else if (wireType === 1) skip(8);
    else if (wireType === 5) skip(4);
    else if (wireType === 2) {
      const length = varint();
      const start = pos;
      skip(length);
      fields.set(field, message.subarray(start, pos));
    } else throw invalid(`${what}: unsupported protobuf wire type ${wireType}`);
  }
  return fields;
}
