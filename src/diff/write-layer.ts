// Turns a stream of changes into an OCI layer tar (optionally gzip-compressed), digesting both
// the uncompressed stream (diff ID) and what is written.

import { createHash } from 'crypto';
import * as fs from 'fs';
import { RuntsError } from '../foundation/errors';
import { ChangeEntry } from './changes';
import { Compression, compress } from './compression';
import { getXattrs } from './special-files';
import { EntryType } from './tar/header';
import { endOfArchive, headerBlocks, padTo512 } from './tar/writer';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

function split(name: string): { dir: string; base: string } {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: name } : { dir: name.slice(0, slash + 1), base: name.slice(slash + 1) };
}

function typeOf(stat: fs.BigIntStats): EntryType | undefined {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return undefined; // sockets are not carried by layers
}

// Linux dev_t encoding (glibc's gnu_dev_major/minor).
const major = (rdev: bigint) => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
const minor = (rdev: bigint) => Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));

/** Overlay's own bookkeeping is not part of a layer. */
const carriedXattr = (name: string) => !name.startsWith('trusted.overlay.');

export async function* tarFromChanges(changes: AsyncIterable<ChangeEntry>): AsyncGenerator<Buffer> {
  const linked = new Map<string, string>();
  for await (const change of changes) {
    if (change.kind !== 'path') {
      const { dir, base } = split(change.name);
      const name = change.kind === 'opaque' ? `${change.name}/${OPAQUE_MARKER}` : `${dir}${WHITEOUT_PREFIX}${base}`;
      yield headerBlocks({ name, type: 'file', mode: 0, size: 0 });
      continue;
    }
    const stat = await fs.promises.lstat(change.path, { bigint: true });
    const type = typeOf(stat);
    if (!type) continue;
    const inode = `${stat.dev}:${stat.ino}`;
    const base = {
      name: type === 'directory' ? `${change.name}/` : change.name,
      mode: Number(stat.mode & 0o7777n),
      uid: Number(stat.uid),
      gid: Number(stat.gid),
      mtime: Number(stat.mtimeNs / 1_000_000_000n),
    };
    if (type !== 'directory' && stat.nlink > 1n && linked.has(inode)) {
      yield headerBlocks({ ...base, type: 'hardlink', linkname: linked.get(inode) });
      continue;
    }
    if (type !== 'directory' && stat.nlink > 1n) linked.set(inode, change.name);
    const xattrs = new Map([...(await getXattrs(change.path))].filter(([name]) => carriedXattr(name)));
    const size = type === 'file' ? Number(stat.size) : 0;
    yield headerBlocks({
      ...base,
      type,
      size,
      xattrs,
      linkname: type === 'symlink' ? await fs.promises.readlink(change.path) : undefined,
      devmajor: type === 'char' || type === 'block' ? major(stat.rdev) : undefined,
      devminor: type === 'char' || type === 'block' ? minor(stat.rdev) : undefined,
    });
    if (type === 'file') {
      let written = 0;
      if (size > 0) {
        for await (const chunk of fs.createReadStream(change.path, { end: size - 1 })) {
          written += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
      if (written !== size) throw new RuntsError(`writing layer: ${change.path} changed size while being read`, 'state');
      yield padTo512(size);
    }
  }
  yield endOfArchive();
}

export interface WrittenLayer {
  /** the bytes to store (compressed or not) */
  stream: AsyncIterable<Buffer>;
  /** resolves once `stream` has been consumed */
  result: () => { diffId: string; uncompressedSize: number };
}

/** A layer tar from changes, compressed as asked, with its diff ID computed on the way. */
export function writeLayer(changes: AsyncIterable<ChangeEntry>, compression: Compression): WrittenLayer {
  const hash = createHash('sha256');
  let uncompressedSize = 0;
  let finished = false;
  async function* hashed() {
    for await (const chunk of tarFromChanges(changes)) {
      hash.update(chunk);
      uncompressedSize += chunk.length;
      yield chunk;
    }
    finished = true;
  }
  const stream = compress(hashed(), compression);
  let diffId: string | undefined;
  return {
    stream,
    result: () => {
      if (!finished) throw new RuntsError('writing layer: the layer stream was not consumed to its end', 'state');
      diffId ??= `sha256:${hash.digest('hex')}`;
      return { diffId, uncompressedSize };
    },
  };
}
