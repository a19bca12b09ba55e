// rdma.max (same format on v1 and v2): "<device> hca_handle=<n|max> hca_object=<n|max>".
import type { CgroupDir } from '../fs';
import type { LinuxResources } from '../resources';
import type { V1Controller } from './controller';

export function applyRdma(dir: CgroupDir, r: LinuxResources): void {
  for (const [device, limit] of Object.entries(r.rdma ?? {})) {
    const value = (n: number | undefined) => (n === undefined ? 'max' : String(n));
    dir.write('rdma.max', `${device} hca_handle=${value(limit.hcaHandles)} hca_object=${value(limit.hcaObjects)}`);
  }
}

export const rdmaV1: V1Controller = { name: 'rdma', apply: applyRdma };
