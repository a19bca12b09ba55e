// v1 blkio: weights (BFQ's files when the scheduler is BFQ, else CFQ's) and throttles.
import type { CgroupDir } from '../fs';
import type { LinuxThrottleDevice } from '../resources';
import type { BlkioEntry, CgroupStats } from '../stats';
import type { V1Controller } from './controller';

const THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

const throttleLine = (d: LinuxThrottleDevice) => `${d.major}:${d.minor} ${d.rate}`;

/** "8:0 Read 123" lines (a trailing "Total N" is skipped). */
export function parseBlkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!m) continue;
    if (f.length === 3) out.push({ major: BigInt(m[1]), minor: BigInt(m[2]), op: f[1], value: BigInt(f[2]) });
    else if (f.length === 2) out.push({ major: BigInt(m[1]), minor: BigInt(m[2]), op: '', value: BigInt(f[1]) });
  }
  return out;
}

function statsFrom(dir: CgroupDir, s: CgroupStats, prefix: string, files: Record<keyof CgroupStats['blkio'], string>): void {
  for (const [key, file] of Object.entries(files) as [keyof CgroupStats['blkio'], string][]) {
    s.blkio[key] = parseBlkioEntries(dir.readIfPresent(`${prefix}${file}`));
  }
}

export const blkioV1: V1Controller = {
  name: 'blkio',
  apply(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = dir.has('blkio.bfq.weight');
    if (b.weight) dir.write(bfq ? 'blkio.bfq.weight' : 'blkio.weight', b.weight);
    if (b.leafWeight) dir.write('blkio.leaf_weight', b.leafWeight);
    for (const d of b.weightDevice ?? []) {
      if (d.weight) dir.write(bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device', `${d.major}:${d.minor} ${d.weight}`);
      if (d.leafWeight) dir.write('blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
    }
    for (const [field, file] of THROTTLES) for (const d of b[field] ?? []) dir.write(file, throttleLine(d));
  },
  stats(dir, s) {
    // Scheduler stats when a proportional scheduler (BFQ, then CFQ) is active, else throttle's.
    if (dir.has('blkio.bfq.io_service_bytes_recursive')) {
      statsFrom(dir, s, 'blkio.bfq.', {
        ioServiceBytesRecursive: 'io_service_bytes_recursive',
        ioServicedRecursive: 'io_serviced_recursive',
      } as Record<keyof CgroupStats['blkio'], string>);
    } else if (dir.has('blkio.io_service_bytes_recursive')) {
      statsFrom(dir, s, 'blkio.', {
        ioServiceBytesRecursive: 'io_service_bytes_recursive',
        ioServicedRecursive: 'io_serviced_recursive',
        ioQueueRecursive: 'io_queued_recursive',
        ioServiceTimeRecursive: 'io_service_time_recursive',
        ioWaitTimeRecursive: 'io_wait_time_recursive',
        ioMergedRecursive: 'io_merged_recursive',
        ioTimeRecursive: 'time_recursive',
        sectorsRecursive: 'sectors_recursive',
      });
    } else {
      statsFrom(dir, s, 'blkio.throttle.', {
        ioServiceBytesRecursive: 'io_service_bytes_recursive',
        ioServicedRecursive: 'io_serviced_recursive',
      } as Record<keyof CgroupStats['blkio'], string>);
    }
  },
};
