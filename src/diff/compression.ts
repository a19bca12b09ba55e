// Layer compression: detected from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd), not trusted
// from the media type. gzip uses Node's zlib; Node 20's zlib has no zstd, so zstd streams go
// through the `zstd` program (Debian package zstd).

import { spawn } from 'child_process';
import { Readable } from 'stream';
import * as zlib from 'zlib';
import { RuntsError } from '../foundation/errors';

export type Compression = 'none' | 'gzip' | 'zstd';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Re-yields a stream after peeking at its start. */
async function peek(source: AsyncIterable<Buffer>, wanted: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < wanted) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  async function* replay() {
    yield* seen;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: Buffer.concat(seen), stream: replay() };
}

function gunzip(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const inflater = zlib.createGunzip();
  const input = Readable.from(stream);
  input.on('error', (err) => inflater.destroy(err));
  input.pipe(inflater);
  return (async function* () {
    try {
      for await (const chunk of inflater) yield chunk as Buffer;
    } catch (err) {
      if (err instanceof RuntsError) throw err;
      throw new RuntsError(`decompressing gzip layer: ${(err as Error).message}`, 'invalid');
    } finally {
      input.destroy();
    }
  })();
}

/** Streams through the zstd program: `-d` to decompress, nothing to compress. */
function throughZstd(stream: AsyncIterable<Buffer>, args: string[], what: string): AsyncIterable<Buffer> {
  return (async function* () {
    const child = spawn('zstd', [...args, '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => { /* EPIPE when zstd stops early: its exit status tells why */ });
    const input = Readable.from(stream);
    input.on('error', (err) => child.stdout.destroy(err));
    input.pipe(child.stdin);
    try {
      for await (const chunk of child.stdout) yield chunk as Buffer;
      const { code, error } = await exited;
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        throw new RuntsError(
          missing ? `${what}: the zstd program is not installed (apt-get install zstd)` : `${what}: ${error.message}`,
          missing ? 'unsupported' : 'system',
        );
      }
      if (code !== 0) throw new RuntsError(`${what}: ${stderr.trim().split('\n').pop() || `zstd exited with ${code}`}`, 'invalid');
    } finally {
      input.destroy();
      if (child.exitCode === null && child.pid) child.kill();
    }
  })();
}

/** The uncompressed stream of a layer, whatever its compression. */
export async function decompress(source: AsyncIterable<Buffer>): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const { head, stream } = await peek(source, 4);
  const compression = detectCompression(head);
  switch (compression) {
    case 'gzip':
      return { compression, stream: gunzip(stream) };
    case 'zstd':
      return { compression, stream: throughZstd(stream, ['-d'], 'decompressing zstd layer') };
    default:
      return { compression, stream };
  }
}

/** The stream compressed as `compression` (gzip by zlib, zstd by the zstd program). */
export function compress(stream: AsyncIterable<Buffer>, compression: Compression): AsyncIterable<Buffer> {
  switch (compression) {
    case 'gzip': {
      const input = Readable.from(stream);
      const gzip = zlib.createGzip();
      input.on('error', (err) => gzip.destroy(err));
      return input.pipe(gzip);
    }
    case 'zstd':
      return throughZstd(stream, [], 'compressing zstd layer');
    default:
      return stream;
  }
}
