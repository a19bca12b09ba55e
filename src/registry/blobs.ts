// Downloading a blob into a content ingest: resumed with Range where the ingest already holds a
// prefix, retried from where it stopped when the connection drops, cut off past the size the
// descriptor declares (a registry that streams forever), and committed only when size and
// digest match; on failure the ingest is removed so nothing half-written stays.
import { Descriptor } from '../image/documents';
import { RepositoryClient } from './client';
import { RegistryError, header } from './http';
import { BlobWriter } from './target';

const ATTEMPTS = 4;

/** Fetches into `writer` and commits; `onBytes` hears of every chunk written. */
export async function fetchBlob(
  repo: RepositoryClient,
  desc: Descriptor,
  writer: BlobWriter,
  labels: Record<string, string>,
  onBytes: (n: number) => void = () => undefined,
): Promise<void> {
  try {
    let offset = writer.offset;
    if (offset > desc.size) {
      await writer.reset();
      offset = 0;
    }
    if (offset > 0) onBytes(offset);
    for (let attempt = 1; offset < desc.size; attempt++) {
      try {
        offset = await fetchFrom(repo, desc, writer, offset, onBytes);
      } catch (err) {
        // An HTTP status or a protocol violation is an answer; a dropped connection is worth a retry.
        if (attempt >= ATTEMPTS || !(err instanceof RegistryError && err.retryable)) throw err;
        offset = writer.offset;
      }
    }
    await writer.commit(labels);
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}

const dropped = (message: string) => Object.assign(new RegistryError(message), { retryable: true });

async function fetchFrom(repo: RepositoryClient, desc: Descriptor, writer: BlobWriter, offset: number, onBytes: (n: number) => void): Promise<number> {
  const headers: Record<string, string> = {};
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const res = await repo.send({ method: 'GET', path: `blobs/${desc.digest}`, headers, accept: [200, 206] });
  if (offset > 0 && res.status === 200) {
    // The registry ignored the Range: start over.
    await writer.reset();
    onBytes(-offset);
    offset = 0;
  } else if (res.status === 206 && !new RegExp(`^bytes ${offset}-`).test(header(res, 'content-range') ?? '')) {
    res.body.destroy();
    throw new RegistryError(`blob ${desc.digest}: asked for bytes from ${offset}, the registry sent ${header(res, 'content-range') ?? 'no Content-Range'}`);
  }
  const chunks = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw dropped(`blob ${desc.digest}: connection lost after ${offset} of ${desc.size} bytes (${(err as Error).message})`);
      }
      if (next.done) break;
      const chunk = next.value;
      if (offset + chunk.length > desc.size) {
        throw new RegistryError(`blob ${desc.digest}: the registry sent more than the ${desc.size} bytes its descriptor declares`, undefined, 'invalid');
      }
      await writer.write(chunk);
      offset += chunk.length;
      onBytes(chunk.length);
    }
  } finally {
    if (offset < desc.size) res.body.destroy();
  }
  if (offset < desc.size) throw dropped(`blob ${desc.digest}: the registry sent ${offset} of ${desc.size} bytes`);
  return offset;
}
