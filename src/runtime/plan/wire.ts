// The record encoding of addon/common/wire.h: [u32 op][u32 argc] then argc x [u32 len][bytes].
import { Arg, PlanRecord } from './ops';

const argBytes = (a: Arg): Buffer => (Buffer.isBuffer(a) ? a : Buffer.from(String(a)));

export function encodeRecords(records: PlanRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(r.op, 0);
    head.writeUInt32LE(r.args.length, 4);
    parts.push(head);
    for (const a of r.args) {
      const b = argBytes(a);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length, 0);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
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
