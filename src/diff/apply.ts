// Applies an OCI image layer (tar, tar+gzip, tar+zstd) onto a directory, like containerd's
// archive.Apply: whiteouts become overlay whiteouts (upper dir of an overlay snapshot) or
// deletions (native snapshots); no entry can touch anything outside the target (see
// rooted-path.ts); the diff ID (sha256 of the uncompressed tar) is computed on the way and checked
// when the caller knows it.

import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError, systemError } from '../foundation/errors';
import { Compression, decompress } from './compression';
import { RootedTree, checkEntryName, cleanComponents, lstatOrNull } from './rooted-path';
import { makeNode, setXattr } from './special-files';
import { TarHeader } from './tar/header';
import { readTar } from './tar/reader';

export type WhiteoutMode = 'overlay' | 'delete';

export interface ApplyOptions {
  /** 'overlay': `.wh.x` -> char 0/0 node, opaque -> trusted.overlay.opaque=y; 'delete': remove from the tree */
  whiteouts: WhiteoutMode;
  /** "sha256:..." of the uncompressed layer; a mismatch fails the apply */
  expectedDiffId?: string;
  /** "sha256:..." of the stream as given (compressed); checked when set */
  expectedDigest?: string;
  /** lchown entries to their uid/gid; defaults to running as root */
  chown?: boolean;
  /**
   * Lower layers (nearest first) when applying into an overlay upper dir: a parent directory the
   * layer does not list is created with the owner, mode and times it has below, so it does not
   * change the merged view (containerd's WithParents).
   */
  parentLayers?: string[];
}

export interface ApplyResult {
  diffId: string;
  /** uncompressed bytes */
  size: number;
  digest: string;
  compressedSize: number;
  compression: Compression;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

async function* hashing(source: AsyncIterable<Buffer>, hash: Hash, count: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    count.bytes += chunk.length;
    yield chunk;
  }
}

export async function applyLayer(target: string, source: AsyncIterable<Buffer>, options: ApplyOptions): Promise<ApplyResult> {
  let root: string;
  try {
    root = await fs.promises.realpath(target);
    if (!(await fs.promises.stat(root)).isDirectory()) throw new RuntsError(`${target}: not a directory`, 'invalid');
  } catch (err) {
    throw systemError(`applying layer onto ${target}`, err);
  }
  const compressedHash = createHash('sha256');
  const compressedCount = { bytes: 0 };
  const diffHash = createHash('sha256');
  const diffCount = { bytes: 0 };
  const { compression, stream } = await decompress(hashing(source, compressedHash, compressedCount));
  const uncompressed = hashing(stream, diffHash, diffCount);

  const applier = new LayerApplier(new RootedTree(root), options);
  try {
    for await (const entry of readTar(uncompressed)) {
      try {
        await applier.apply(entry.header, entry.body);
      } catch (err) {
        const why = systemError('', err).message.replace(/^: /, '');
        throw new RuntsError(`applying layer entry ${JSON.stringify(entry.header.name)}: ${why}`, err instanceof RuntsError ? err.kind : 'system');
      }
    }
    // Trailing zero blocks and padding belong to the diff ID too.
    for await (const _ of uncompressed) { /* hashed on the way */ }
  } finally {
    // Stops the decompressor (and a zstd child) when the apply ends early.
    await uncompressed.return(undefined);
  }
  await applier.finish();

  const result: ApplyResult = {
    diffId: `sha256:${diffHash.digest('hex')}`,
    size: diffCount.bytes,
    digest: `sha256:${compressedHash.digest('hex')}`,
    compressedSize: compressedCount.bytes,
    compression,
  };
  if (options.expectedDigest && options.expectedDigest !== result.digest) {
    throw new RuntsError(`layer digest mismatch: expected ${options.expectedDigest}, got ${result.digest}`, 'invalid');
  }
  if (options.expectedDiffId && options.expectedDiffId !== result.diffId) {
    throw new RuntsError(`layer diff ID mismatch: expected ${options.expectedDiffId}, got ${result.diffId}`, 'invalid');
  }
  return result;
}

class LayerApplier {
  /** Paths (relative, resolved) this layer created: an opaque marker in delete mode keeps them. */
  private readonly unpacked = new Set<string>();
  /**
   * Directory times are set last, deepest first (reverse order of first sight): creating children
   * changes them. Keyed by path, so a directory listed many times is held once.
   */
  private readonly directoryTimes = new Map<string, { atime: number; mtime: number }>();
  private readonly chown: boolean;
  private lastParent?: { key: string; resolved: string[] };

  constructor(private readonly tree: RootedTree, private readonly options: ApplyOptions) {
    this.chown = options.chown ?? process.getuid?.() === 0;
  }

  async apply(header: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    checkHeaderRanges(header);
    const parts = cleanComponents(header.name);
    if (parts.length === 0) {
      if (header.type !== 'directory') throw new RuntsError('cannot replace the root of the layer', 'invalid');
      await this.applyMetadata(this.tree.root, header);
      return;
    }
    const base = parts[parts.length - 1];
    if (base.startsWith(WHITEOUT_PREFIX)) {
      await this.whiteout(parts.slice(0, -1), base);
      return;
    }
    const parent = await this.resolveParent(parts.slice(0, -1));
    const rel = [...parent, base];
    const full = this.tree.child(parent, base);

    let linkTarget: string | undefined;
    if (header.type === 'hardlink') {
      linkTarget = await this.hardlinkTarget(header.linkname);
      if (linkTarget === full) return;
    }

    const existing = fs.lstatSync(full, { throwIfNoEntry: false });
    if (existing) {
      const keep = existing.isDirectory() && header.type === 'directory';
      if (!keep) await this.remove(full);
    }

    switch (header.type) {
      case 'directory':
        if (!existing || !existing.isDirectory()) await fs.promises.mkdir(full, { mode: 0o700 });
        break;
      case 'file':
        await this.writeFile(full, header, body);
        break;
      case 'symlink':
        await fs.promises.symlink(header.linkname, full);
        break;
      case 'hardlink':
        await fs.promises.link(linkTarget!, full);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        await this.makeNode(full, header);
        break;
    }
    this.noteUnpacked(rel);
    if (header.type !== 'file') await this.applyMetadata(full, header);
  }

  private async hardlinkTarget(linkname: string): Promise<string> {
    const parts = cleanComponents(linkname);
    if (parts.length === 0) throw new RuntsError('hard link to the layer root', 'invalid');
    let parent: string[];
    try {
      parent = await this.tree.resolveDirectory(parts.slice(0, -1), false);
    } catch (err) {
      const missing = err instanceof RuntsError && (err.errno === 'ENOENT' || err.errno === 'ENOTDIR');
      if (!missing) throw err;
      throw new RuntsError(`hard link target ${JSON.stringify(linkname)} not found in the layer`, 'invalid');
    }
    const full = this.tree.child(parent, parts[parts.length - 1], 'hard link target');
    const stat = await lstatOrNull(full);
    if (!stat) throw new RuntsError(`hard link target ${JSON.stringify(linkname)} not found in the layer`, 'invalid');
    if (stat.isDirectory()) throw new RuntsError(`hard link target ${JSON.stringify(linkname)} is a directory`, 'invalid');
    return full;
  }

  /**
   * Regular files are written with synchronous calls: each is a few microseconds on a local
   * filesystem, while a round trip through libuv's thread pool per call made unpacking twice as
   * slow; the event loop still runs between body chunks and entries.
   */
  private async writeFile(full: string, header: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    const fd = fs.openSync(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      if (header.size > 0) {
        for await (const chunk of body) {
          for (let written = 0; written < chunk.length;) written += fs.writeSync(fd, chunk, written);
        }
      }
      if (this.chown) fs.fchownSync(fd, header.uid, header.gid);
      // After chown: chown clears set-id bits.
      fs.fchmodSync(fd, header.mode);
      for (const [name, value] of header.xattrs) await setXattr(full, name, value);
      fs.futimesSync(fd, header.atime ?? header.mtime, header.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  private async makeNode(full: string, header: TarHeader): Promise<void> {
    const kind = header.type as 'char' | 'block' | 'fifo';
    try {
      await makeNode(full, kind, header.mode, header.devmajor, header.devminor);
    } catch (err) {
      if (err instanceof RuntsError && err.errno === 'EPERM') {
        throw new RuntsError(`${err.message} (device nodes in a layer need root to unpack)`, 'system', 'EPERM');
      }
      throw err;
    }
  }

  /**
   * Owner, mode, xattrs and times of anything but regular files (done on their fd). A hard link's
   * header applies to the inode it shares, as containerd and Docker apply it (a mode or owner
   * change there changes the original too); a link to a symlink keeps the symlink's mode.
   */
  private async applyMetadata(full: string, header: TarHeader): Promise<void> {
    if (this.chown) await fs.promises.lchown(full, header.uid, header.gid);
    const isSymlink = header.type === 'symlink' || (header.type === 'hardlink' && (await fs.promises.lstat(full)).isSymbolicLink());
    if (header.type === 'directory') {
      const dir = await fs.promises.open(full, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
      try {
        await dir.chmod(header.mode);
      } finally {
        await dir.close();
      }
    } else if (!isSymlink) {
      // Node has no lchmod on Linux; the path was just created by us and is not a symlink.
      await fs.promises.chmod(full, header.mode);
    }
    for (const [name, value] of header.xattrs) await setXattr(full, name, value);
    if (header.type === 'directory') {
      this.directoryTimes.set(full, { atime: header.atime ?? header.mtime, mtime: header.mtime });
    } else {
      await fs.promises.lutimes(full, header.atime ?? header.mtime, header.mtime);
    }
  }

  private async whiteout(parentParts: string[], base: string): Promise<void> {
    if (base === OPAQUE_MARKER) {
      const dir = await this.tree.resolveDirectory(parentParts, true, this.copyParentMetadata);
      if (this.options.whiteouts === 'overlay') {
        await setXattr(this.tree.full(dir), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      } else {
        await this.removeNotUnpacked(dir);
      }
      return;
    }
    // Other ".wh..wh." names are AUFS bookkeeping (hard link dirs), not whiteouts.
    if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return;
    // Refused before anything is resolved: "", "." and ".." would name the directory or its parent.
    const name = base.slice(WHITEOUT_PREFIX.length);
    checkEntryName(name, 'whiteout name');
    if (this.options.whiteouts === 'overlay') {
      const dir = await this.tree.resolveDirectory(parentParts, true, this.copyParentMetadata);
      const full = this.tree.child(dir, name, 'whiteout name');
      if (await lstatOrNull(full)) await this.remove(full);
      await makeNode(full, 'char', 0, 0, 0);
      return;
    }
    let dir: string[];
    try {
      dir = await this.tree.resolveDirectory(parentParts, false);
    } catch {
      return; // nothing below to hide
    }
    await this.remove(this.tree.child(dir, name, 'whiteout name'));
  }

  /**
   * Entries come grouped by directory, so the last parent resolved is usually the next one's: it
   * stays valid until something is removed (creating entries never changes an existing directory
   * chain; replacing one removes it first).
   */
  private async resolveParent(parts: string[]): Promise<string[]> {
    const key = parts.join('/');
    if (this.lastParent?.key === key) return this.lastParent.resolved;
    const resolved = await this.tree.resolveDirectory(parts, true, this.copyParentMetadata);
    this.lastParent = { key, resolved };
    return resolved;
  }

  private async remove(full: string): Promise<void> {
    this.lastParent = undefined;
    await fs.promises.rm(full, { recursive: true, force: true });
  }

  /** Only delete-mode opaque markers need to know what this layer created. */
  private noteUnpacked(rel: string[]): void {
    if (this.options.whiteouts === 'delete') this.unpacked.add(rel.join('/'));
  }

  /** Opaque directory in delete mode: drop everything below that this layer did not create. */
  private async removeNotUnpacked(dir: string[]): Promise<void> {
    const full = this.tree.full(dir);
    for (const child of await fs.promises.readdir(full, { withFileTypes: true })) {
      const rel = [...dir, child.name];
      if (!this.unpacked.has(rel.join('/'))) {
        await this.remove(this.tree.child(dir, child.name));
      } else if (child.isDirectory()) {
        await this.removeNotUnpacked(rel);
      }
    }
  }

  private readonly copyParentMetadata = async (rel: string[]): Promise<void> => {
    for (const layer of this.options.parentLayers ?? []) {
      const below = await lstatInLayer(layer, rel);
      if (!below) continue;
      if (!below.isDirectory()) return;
      const full = this.tree.full(rel);
      if (this.chown) await fs.promises.lchown(full, below.uid, below.gid);
      await fs.promises.chmod(full, below.mode & 0o7777);
      this.directoryTimes.set(full, { atime: below.atimeMs / 1000, mtime: below.mtimeMs / 1000 });
      return;
    }
  };

  async finish(): Promise<void> {
    for (const [dir, { atime, mtime }] of [...this.directoryTimes].reverse()) {
      const stat = await lstatOrNull(dir);
      if (stat && stat.isDirectory()) await fs.promises.lutimes(dir, atime, mtime);
    }
  }
}

/**
 * `rel` in a lower layer without following the layer's symlinks: they point into the image's tree,
 * so through the host's path walk they would read the host. A prefix that is not a directory
 * (symlink, whiteout, file) hides what lies below it and is returned as the answer.
 */
async function lstatInLayer(layer: string, rel: string[]): Promise<fs.Stats | null> {
  let stat: fs.Stats | null = null;
  for (let depth = 1; depth <= rel.length; depth++) {
    stat = await lstatOrNull(path.join(layer, ...rel.slice(0, depth)));
    if (!stat || !stat.isDirectory()) return stat;
  }
  return stat;
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to chown
const MAX_DEVICE_NUMBER = 0xffffffff;

/** Numbers a syscall takes are checked here, so a hostile value is named, not a bare RangeError. */
function checkHeaderRanges(header: TarHeader): void {
  const inRange = (field: string, value: number | undefined, max: number) => {
    if (value === undefined) return;
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new RuntsError(`${field} ${value} is out of range (0 to ${max})`, 'invalid');
    }
  };
  inRange('uid', header.uid, MAX_ID);
  inRange('gid', header.gid, MAX_ID);
  inRange('devmajor', header.devmajor, MAX_DEVICE_NUMBER);
  inRange('devminor', header.devminor, MAX_DEVICE_NUMBER);
  for (const [field, value] of [['mtime', header.mtime], ['atime', header.atime]] as const) {
    if (value !== undefined && !Number.isFinite(value)) throw new RuntsError(`${field} ${value} is not a time`, 'invalid');
  }
}
