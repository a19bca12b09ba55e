// The body of an apply worker (apply-worker.ts): runs each job it is sent (apply-job.ts), the
// blob read from its file, and answers with the result or the error.
import * as fs from 'fs';
import { parentPort } from 'worker_threads';
import { RuntsError } from '../foundation/errors';
import { ApplyJob, runJob } from './apply-job';

parentPort!.on('message', (job: ApplyJob) => {
  const source = fs.createReadStream(job.blobPath, { highWaterMark: 1 << 20 });
  runJob(job, source).then(
    (result) => parentPort!.postMessage({ id: job.id, result }),
    (err: Error) => parentPort!.postMessage({
      id: job.id,
      error: { message: err.message, kind: err instanceof RuntsError ? err.kind : 'system', errno: (err as RuntsError).errno },
    }),
  ).finally(() => source.destroy());
});
