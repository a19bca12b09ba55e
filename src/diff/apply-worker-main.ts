// The body of an apply worker (apply-worker.ts): applies a layer blob, read from its file in the
// content store, onto a snapshot's mounts, and answers with the result or the error.
import * as fs from 'fs';
import { parentPort } from 'worker_threads';
import { RuntsError } from '../runtime/errors';
import { Mount } from '../snapshots/types';
import { MountApplyOptions, applyLayerToMounts } from './apply-mounts';

export interface ApplyJob {
  id: number;
  mounts: Mount[];
  blobPath: string;
  options: MountApplyOptions;
}

parentPort!.on('message', (job: ApplyJob) => {
  const source = fs.createReadStream(job.blobPath, { highWaterMark: 1 << 20 });
  applyLayerToMounts(job.mounts, source, job.options).then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (err: Error) => parentPort!.postMessage({
      id: job.id,
      error: { message: err.message, kind: err instanceof RuntsError ? err.kind : 'system', errno: (err as RuntsError).errno },
    }),
  ).finally(() => source.destroy());
});
