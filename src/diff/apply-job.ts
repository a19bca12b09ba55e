// One layer application as the apply workers run it (apply-worker.ts): a content store blob
// onto a snapshot's mounts, or into a plain directory.
import { Mount } from '../mount';
import { ApplyResult, WhiteoutMode, applyLayer } from './apply';
import { MountApplyOptions, applyLayerToMounts } from './apply-mounts';

export interface ApplyJob {
  id: number;
  /** Mounts of a snapshot, or a directory with how whiteouts are written there. */
  target: { mounts: Mount[] } | { directory: string; whiteouts: WhiteoutMode };
  blobPath: string;
  options: MountApplyOptions;
}

export function runJob(job: Omit<ApplyJob, 'id'>, source: AsyncIterable<Buffer>): Promise<ApplyResult> {
  return 'mounts' in job.target
    ? applyLayerToMounts(job.target.mounts, source, job.options)
    : applyLayer(job.target.directory, source, { ...job.options, whiteouts: job.target.whiteouts });
}
