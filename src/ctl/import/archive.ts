// Reads an image archive (OCI layout or docker-archive tarball) in one pass and writes every
// regular file to runtsd's content store as it streams by: blobs/<alg>/<hex> under the digest
// their name promises, any other file (docker-archive layers and configs) under the digest
// computed while writing. Small JSON documents are also kept in memory for resolving.
import * as fs from 'fs';
import { Client } from '../../client/client';
import { readTar } from '../../diff/tar/reader';
import { RuntsError } from '../../foundation/errors';
import { WrittenBlob, writeBlob } from '../../client/write-blob';

export interface ArchiveFile extends WrittenBlob {
  /** The first bytes, to tell a compressed layer from a plain one. */
  head: Buffer;
}

export interface ArchiveContents {
  /** Each regular file of the archive (path without a leading ./) and the blob it became. */
  files: Map<string, ArchiveFile>;
  /** JSON documents small enough to keep, by path and by digest. */
  documents: Map<string, Buffer>;
}

export interface ArchiveProgress {
  /** Bytes of the archive consumed so far. */
  read(bytes: number): void;
  blob(name: string, blob: WrittenBlob): void;
}

const KEPT_DOCUMENT_SIZE = 4 << 20;
const BLOB_PATH = /^blobs\/(sha256)\/([a-f0-9]{64})$/;

/** Yields the body while recording its first bytes and keeping it whole when it is small JSON. */
async function* observe(body: AsyncIterable<Buffer>, size: number, seen: { head: Buffer; whole: Buffer[] | undefined }): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    if (seen.head.length < 4) seen.head = Buffer.concat([seen.head, chunk]).subarray(0, 4);
    if (size <= KEPT_DOCUMENT_SIZE) seen.whole?.push(chunk);
    yield chunk;
  }
}

async function* counted(stream: AsyncIterable<Buffer>, progress: ArchiveProgress): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    progress.read(chunk.length);
    yield chunk;
  }
}

export async function writeArchiveToContent(client: Client, file: string, progress: ArchiveProgress): Promise<ArchiveContents> {
  let stream: fs.ReadStream;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
    stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  } catch (err) {
    throw new RuntsError(`cannot read image archive ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'invalid');
  }
  const files = new Map<string, ArchiveFile>();
  const documents = new Map<string, Buffer>();
  let count = 0;
  try {
    for await (const entry of readTar(counted(stream, progress))) {
      if (entry.header.type !== 'file') continue;
      const name = entry.header.name.replace(/^(\.\/)+/, '');
      const match = BLOB_PATH.exec(name);
      const seen = { head: Buffer.alloc(0), whole: [] as Buffer[] | undefined };
      const blob = await writeBlob(client, `runtsctl-import-${process.pid}-${count++}`, observe(entry.body, entry.header.size, seen), {
        expected: match ? `${match[1]}:${match[2]}` : undefined,
        total: entry.header.size,
      });
      files.set(name, { ...blob, head: seen.head });
      const whole = Buffer.concat(seen.whole ?? []);
      // A blob the store already held was not streamed: only complete bodies are kept.
      if (entry.header.size <= KEPT_DOCUMENT_SIZE && whole.length === entry.header.size && whole[0] === 0x7b) {
        documents.set(name, whole);
        documents.set(blob.digest, whole);
      }
      progress.blob(name, blob);
    }
  } finally {
    stream.destroy();
  }
  if (files.size === 0) throw new RuntsError(`image archive ${file} holds no files`, 'invalid');
  return { files, documents };
}
