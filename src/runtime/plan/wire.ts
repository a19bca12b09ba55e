// The record encoding of addon/common/wire.h: [u32 op][u32 argc] then argc x [u32 len][bytes].
import * as native from '../../native';
import type { PlanRecord } from './ops';

/** One buffer, encoded by the addon: a plan is a few hundred arguments, and bin/runts runs
 * without a JIT, where a Buffer per argument in JS was ~0.5 ms of every create. */
export const encodeRecords = (records: PlanRecord[]): Buffer => native.encodeRecords(records);

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
