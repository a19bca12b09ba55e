// The content-addressed blob store under <root>/content: blobs at blobs/sha256/<hex>, ingests
// under ingest/<sha256 of namespace/ref>/. It knows nothing of namespaces beyond naming ingests;
// which namespace holds which blob is metadata (src/metadata/content.ts).
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { invalid, notFound, systemError } from '../foundation/errors';
import { digestHex } from './digest';
import { RefLockedError } from './errors';
import {
  IngestStatus, IngestWriter, checkSpace, ingestStatus, readIngestMeta, writeIngestMeta,
} from './ingest';

const READ_CHUNK = 1 << 20;

export class ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;
  private readonly lockedIngests = new Set<string>();

  constructor(root: string) {
    this.blobsDir = path.join(root, 'content', 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'content', 'ingest');
    for (const dir of [this.blobsDir, this.ingestDir]) {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw systemError(`creating content directory ${dir}`, err);
      }
    }
  }

  blobPath(digest: string): string {
    return path.join(this.blobsDir, digestHex(digest));
  }

  /** The blob's size, or undefined when the store does not have it. */
  blobSize(digest: string): number | undefined {
    try {
      return fs.statSync(this.blobPath(digest)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw systemError(`reading blob ${digest}`, err);
    }
  }

  /** Streams [offset, offset+size) of a blob (size 0: to the end) in 1 MiB chunks. */
  async *read(digest: string, offset: number, size: number): AsyncGenerator<{ offset: number; data: Buffer }> {
    const blobPath = this.blobPath(digest);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(blobPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`blob ${digest} not found`);
      throw systemError(`opening blob ${digest}`, err);
    }
    try {
      const total = (await handle.stat()).size;
      if (offset < 0 || size < 0) throw invalid(`read of blob ${digest}: offset and size must not be negative`);
      if (offset > total) throw invalid(`read of blob ${digest}: offset ${offset} is past its size ${total}`);
      const end = size > 0 ? Math.min(total, offset + size) : total;
      for (let pos = offset; pos < end;) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
        const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        yield { offset: pos, data: buf.subarray(0, bytesRead) };
        pos += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }

  deleteBlob(digest: string): void {
    fs.rmSync(this.blobPath(digest), { force: true });
  }

  listBlobs(): string[] {
    return fs.readdirSync(this.blobsDir).filter((f) => /^[a-f0-9]{64}$/.test(f)).map((hex) => `sha256:${hex}`);
  }

  private ingestPath(namespace: string, ref: string): string {
    const key = createHash('sha256').update(`${namespace}/${ref}`).digest('hex');
    return path.join(this.ingestDir, key);
  }

  /** Opens (or resumes) the ingest for ref; only one writer per ref at a time. */
  openIngest(namespace: string, ref: string, total: number, expected: string): IngestWriter {
    if (!ref) throw invalid('an ingest needs a ref');
    if (total < 0) throw invalid(`ingest "${ref}": total size ${total} is negative`);
    if (expected) digestHex(expected);
    const dir = this.ingestPath(namespace, ref);
    if (this.lockedIngests.has(dir)) throw new RefLockedError(ref);
    let meta = readIngestMeta(dir);
    try {
      if (!meta) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { mode: 0o700 });
        meta = { namespace, ref, total, expected, startedAt: Date.now() };
        if (total > 0) checkSpace(this.ingestDir, total, ref);
        writeIngestMeta(dir, meta);
      }
      this.lockedIngests.add(dir);
      const writer = new IngestWriter(dir, meta, this.blobsDir, () => this.lockedIngests.delete(dir));
      writer.declare(total, expected);
      return writer;
    } catch (err) {
      this.lockedIngests.delete(dir);
      if (!readIngestMeta(dir)) fs.rmSync(dir, { recursive: true, force: true });
      throw systemError(`opening ingest "${ref}"`, err);
    }
  }

  ingestExists(namespace: string, ref: string): boolean {
    return readIngestMeta(this.ingestPath(namespace, ref)) !== undefined;
  }

  ingestStatus(namespace: string, ref: string): IngestStatus {
    const dir = this.ingestPath(namespace, ref);
    const meta = readIngestMeta(dir);
    if (!meta) throw notFound(`ingest "${ref}" not found in namespace "${namespace}"`);
    return ingestStatus(dir, meta);
  }

  listIngests(namespace: string): IngestStatus[] {
    const out: IngestStatus[] = [];
    for (const name of fs.readdirSync(this.ingestDir)) {
      const dir = path.join(this.ingestDir, name);
      const meta = readIngestMeta(dir);
      if (meta && meta.namespace === namespace) out.push(ingestStatus(dir, meta));
    }
    return out;
  }

  abortIngest(namespace: string, ref: string): void {
    const dir = this.ingestPath(namespace, ref);
    if (!readIngestMeta(dir)) throw notFound(`ingest "${ref}" not found in namespace "${namespace}"`);
    if (this.lockedIngests.has(dir)) throw new RefLockedError(ref);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Drops ingest directories a crash left before their metadata was written. */
  removeBrokenIngests(): void {
    for (const name of fs.readdirSync(this.ingestDir)) {
      const dir = path.join(this.ingestDir, name);
      if (!readIngestMeta(dir)) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
