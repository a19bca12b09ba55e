// v2 io: io.bfq.weight when BFQ is the scheduler (it takes blkio weights as they are, and
// per-device weights), else io.weight converted from the blkio range; io.max throttles.
import { blkioWeightToIoWeight } from '../convert';
import type { CgroupDir } from '../fs';
import type { LinuxThrottleDevice } from '../resources';
import type { BlkioEntry, CgroupStats } from '../stats';
import type { V2Controller } from './controller';

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

const maxLine = (d: LinuxThrottleDevice, key: string) => `${d.major}:${d.minor} ${key}=${d.rate}`;

export const ioV2: V2Controller = {
  name: 'io',
  apply(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = dir.has('io.bfq.weight');
    if (b.weight) {
      if (bfq) dir.write('io.bfq.weight', b.weight);
      else dir.write('io.weight', blkioWeightToIoWeight(b.weight));
    }
    for (const d of b.weightDevice ?? []) {
      if (!d.weight) continue;
      if (bfq) dir.write('io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
      else dir.write('io.weight', `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`);
    }
    for (const [field, key] of THROTTLES) for (const d of b[field] ?? []) dir.write('io.max', maxLine(d, key));
  },
  stats: ioStatsV2,
};

/** io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." in runc's v1-shaped entries. */
export function ioStatsV2(dir: CgroupDir, s: CgroupStats): void {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (dir.readIfPresent('io.stat') ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = BigInt(m[1]);
    const minor = BigInt(m[2]);
    for (const pair of pairs) {
      const [k, v] = pair.split('=');
      if (!/^\d+$/.test(v ?? '')) continue;
      const value = BigInt(v);
      if (k === 'rbytes') bytes.push({ major, minor, op: 'Read', value });
      else if (k === 'wbytes') bytes.push({ major, minor, op: 'Write', value });
      else if (k === 'rios') ios.push({ major, minor, op: 'Read', value });
      else if (k === 'wios') ios.push({ major, minor, op: 'Write', value });
    }
  }
  s.blkio.ioServiceBytesRecursive = bytes;
  s.blkio.ioServicedRecursive = ios;
}
