// One ingest: an append-only data file under <root>/content/ingest/<key>/ plus its metadata,
// hashed as it grows. Committing verifies size and digest, fsyncs, and only then renames the
// file into the blob tree, so a blob path always holds exactly the bytes its name promises.
import * as fs from 'fs';
import * as path from 'path';
import { Hash } from 'crypto';
import { RuntsError, systemError } from '../foundation/errors';
import { digestHex, hashDigest, newHash } from './digest';
import { NoSpaceError, OffsetError } from './errors';
import { writeFileAtomic } from '../foundation/atomic-file';

export interface IngestMeta {
  namespace: string;
  ref: string;
  total: number;
  expected: string;
  startedAt: number;
}

export interface IngestStatus extends IngestMeta {
  offset: number;
  updatedAt: number;
}

export interface CommitResult {
  digest: string;
  size: number;
  /** The blob was already in the store (another namespace or an earlier write). */
  existed: boolean;
}

const META = 'meta.json';
const DATA = 'data';

export function readIngestMeta(dir: string): IngestMeta | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, META), 'utf8'));
  } catch {
    return undefined;
  }
}

export function writeIngestMeta(dir: string, meta: IngestMeta): void {
  writeFileAtomic(path.join(dir, META), JSON.stringify(meta));
}

export function ingestStatus(dir: string, meta: IngestMeta): IngestStatus {
  try {
    const st = fs.statSync(path.join(dir, DATA));
    return { ...meta, offset: st.size, updatedAt: st.mtimeMs };
  } catch {
    return { ...meta, offset: 0, updatedAt: meta.startedAt };
  }
}

export class IngestWriter {
  private fd: number;
  private hash: Hash;
  offset: number;
  updatedAt: number;

  constructor(
    readonly dir: string,
    readonly meta: IngestMeta,
    private readonly blobsDir: string,
    private readonly release: () => void,
  ) {
    const dataPath = path.join(dir, DATA);
    this.fd = fs.openSync(dataPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    // Resuming: rehash what is already there so the running digest stays exact.
    this.hash = newHash();
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (let n; (n = fs.readSync(this.fd, buf, 0, buf.length, pos)) > 0; pos += n) this.hash.update(buf.subarray(0, n));
    this.offset = pos;
    this.updatedAt = fs.fstatSync(this.fd).mtimeMs;
  }

  digest(): string {
    return hashDigest(this.hash);
  }

  /** Records a size or digest learnt after the ingest started. */
  declare(total: number, expected: string): void {
    if (total === this.meta.total && expected === this.meta.expected) return;
    if (total > 0) {
      checkSpace(this.dir, total - this.offset, this.meta.ref);
      this.meta.total = total;
    }
    if (expected) {
      digestHex(expected);
      this.meta.expected = expected;
    }
    writeIngestMeta(this.dir, this.meta);
  }

  write(data: Buffer): void {
    if (this.meta.total > 0 && this.offset + data.length > this.meta.total) {
      throw new OffsetError(`write to ingest "${this.meta.ref}" goes past its declared size ${this.meta.total} (at ${this.offset} + ${data.length} bytes)`);
    }
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, this.offset + done);
    this.hash.update(data);
    this.offset += data.length;
    this.updatedAt = Date.now();
  }

  truncate(): void {
    fs.ftruncateSync(this.fd, 0);
    this.hash = newHash();
    this.offset = 0;
  }

  /** Verifies and moves the data into the blob tree; removes the ingest either way on mismatch. */
  commit(size: number, expected: string): CommitResult {
    const digest = this.digest();
    const ref = this.meta.ref;
    if (size > 0 && size !== this.offset) {
      throw this.failCommit(`commit of ingest "${ref}" failed: wrote ${this.offset} bytes, expected ${size}; the ingest was discarded`);
    }
    if (expected && expected !== digest) {
      throw this.failCommit(`commit of ingest "${ref}" failed: content digest is ${digest}, expected ${expected}; the ingest was discarded`);
    }
    const target = path.join(this.blobsDir, digestHex(digest));
    const existed = fs.existsSync(target);
    try {
      if (!existed) {
        fs.fsyncSync(this.fd);
        fs.chmodSync(path.join(this.dir, DATA), 0o444);
        fs.renameSync(path.join(this.dir, DATA), target);
        syncDir(this.blobsDir);
      }
    } catch (err) {
      throw systemError(`committing ingest "${ref}" as ${digest}`, err);
    }
    this.remove();
    return { digest, size: this.offset, existed };
  }

  private failCommit(message: string): RuntsError {
    this.remove();
    return new RuntsError(message, 'state');
  }

  /** Deletes the ingest's files and releases it. */
  remove(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
      this.release();
    }
  }
}

export function checkSpace(dir: string, bytes: number, ref: string): void {
  const st = fs.statfsSync(dir);
  const available = st.bavail * st.bsize;
  if (bytes > available) {
    throw new NoSpaceError(`ingest "${ref}" declares ${bytes} more bytes but only ${available} are free under ${dir}`);
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
