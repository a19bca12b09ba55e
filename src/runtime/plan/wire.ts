// The record encoding of addon/common/wire.h: [u32 op][u32 argc] then argc x [u32 len][bytes].
import { Arg, PlanRecord } from './ops';

const argBytes = (a: Arg): Buffer => (Buffer.isBuffer(a) ? a : Buffer.from(String(a)));

/** One buffer, sized first and written once: a plan is a few hundred arguments. */
export function encodeRecords(records: PlanRecord[]): Buffer {
  const args = records.map((r) => r.args.map(argBytes));
  let size = 0;
  for (const bytes of args) for (const b of bytes) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size + 8 * records.length);
  let p = 0;
  records.forEach((r, i) => {
    p = out.writeUInt32LE(r.op, p);
    p = out.writeUInt32LE(r.args.length, p);
    for (const b of args[i]) {
      p = out.writeUInt32LE(b.length, p);
      p += b.copy(out, p);
    }
  });
  return out;
}

export interface DecodedRecord {
  op: number;
  args: string[];
}

export function decodeRecords(buf: Buffer): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let p = 0;
  const u32 = () => {
    if (p + 4 > buf.length) throw new Error('truncated message from runts-init');
    const v = buf.readUInt32LE(p);
    p += 4;
    return v;
  };
  while (p < buf.length) {
    const op = u32();
    const argc = u32();
    const args: string[] = [];
    for (let i = 0; i < argc; i++) {
      const n = u32();
      if (p + n > buf.length) throw new Error('truncated message from runts-init');
      args.push(buf.toString('utf8', p, p + n));
      p += n;
    }
    out.push({ op, args });
  }
  return out;
}
