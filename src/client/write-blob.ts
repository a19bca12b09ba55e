// One Content.Write session: WRITE messages carrying the data, then COMMIT with the digest
// (the expected one, or the one computed here). Content the store already holds is not an
// error: the lease still takes it, as containerd's clients treat ALREADY_EXISTS.
import { createHash } from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { Client, hasCode } from './client';

export interface WrittenBlob {
  digest: string;
  size: number;
}

export interface WriteBlobOptions {
  expected?: string;
  total?: number;
  labels?: Record<string, string>;
}

export async function writeBlob(client: Client, ref: string, chunks: AsyncIterable<Buffer>, options: WriteBlobOptions = {}): Promise<WrittenBlob> {
  const call = client.duplex('content', 'Write');
  let failure: grpc.ServiceError | undefined;
  let wake: (() => void) | undefined;
  const committed = new Promise<void>((resolve, reject) => {
    call.on('data', (m: { action: string }) => { if (m.action === 'COMMIT') resolve(); });
    call.on('error', (err: grpc.ServiceError) => { failure = err; wake?.(); reject(err); });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) reject(Object.assign(new Error('the daemon ended the write without committing'), status));
    });
  });
  committed.catch(() => undefined);
  const waitDrain = () => new Promise<void>((resolve) => {
    wake = resolve;
    call.once('drain', resolve);
  });

  const hash = createHash('sha256');
  const expected = options.expected ?? '';
  const total = options.total ?? 0;
  let offset = 0;
  try {
    for await (const data of chunks) {
      if (failure) break;
      hash.update(data);
      // The expected digest goes with the first message: the store checks it for presence then.
      const ready = call.write({ action: 'WRITE', ref, total, expected: offset === 0 ? expected : '', offset, data });
      offset += data.length;
      if (!ready && !failure) await waitDrain();
    }
    const digest = expected || `sha256:${hash.digest('hex')}`;
    if (!failure) call.write({ action: 'COMMIT', ref, total: offset, offset, expected: digest, labels: options.labels ?? {} });
    try {
      await committed;
    } catch (err) {
      // The store refuses as soon as it sees an expected digest it holds: the size is the declared one.
      if ((err as grpc.ServiceError).code === grpc.status.ALREADY_EXISTS) return { digest, size: total || offset };
      throw client.wrapError('content', `Write of ${ref}`, err as grpc.ServiceError);
    }
    call.end();
    return { digest, size: offset };
  } catch (err) {
    // A broken archive or a refused blob: nothing of this ingest is worth resuming.
    call.cancel();
    await abortIngest(client, ref);
    throw err;
  }
}

/** Content.Abort, retried briefly: the daemon releases the ingest once it sees the cancel. */
export async function abortIngest(client: Client, ref: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await client.unary('content', 'Abort', { ref });
      return;
    } catch (err) {
      if (hasCode(err, 'NOT_FOUND')) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
