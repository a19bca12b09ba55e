// Tar writer: ustar headers, with a PAX header in front when a name, link, number or xattr does
// not fit ustar. It writes what it is told (no path cleaning), so tests can build hostile archives.

import { BLOCK_SIZE, EntryType, FLAG_BY_TYPE, encodeHeader } from './header';
import { formatPaxRecord } from './pax';

export interface WriteEntry {
  name: string;
  type: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  /** seconds since the epoch; fractions go into PAX */
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer> | Record<string, string | Buffer>;
  /** regular files only */
  size?: number;
}

const END_OF_ARCHIVE = Buffer.alloc(BLOCK_SIZE * 2);
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

export function padTo512(size: number): Buffer {
  return Buffer.alloc((BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE);
}

export function endOfArchive(): Buffer {
  return END_OF_ARCHIVE;
}

/** Splits a long path into ustar's prefix (<=155 bytes) and name (<=100 bytes) at a slash. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

/** The header block(s) of one entry: an optional PAX header with its body, then the ustar block. */
export function headerBlocks(entry: WriteEntry): Buffer {
  const size = entry.type === 'file' ? entry.size ?? 0 : 0;
  const mtime = entry.mtime ?? 0;
  const pax: Buffer[] = [];
  const split = splitUstarPath(entry.name);
  if (!split) pax.push(formatPaxRecord('path', entry.name));
  const linkname = entry.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) pax.push(formatPaxRecord('linkpath', linkname));
  if ((entry.uid ?? 0) > MAX_OCTAL_8) pax.push(formatPaxRecord('uid', String(entry.uid)));
  if ((entry.gid ?? 0) > MAX_OCTAL_8) pax.push(formatPaxRecord('gid', String(entry.gid)));
  if (size > MAX_OCTAL_12) pax.push(formatPaxRecord('size', String(size)));
  if (!Number.isInteger(mtime) || mtime > MAX_OCTAL_12 || mtime < 0) pax.push(formatPaxRecord('mtime', String(mtime)));
  const xattrs = entry.xattrs instanceof Map ? entry.xattrs : new Map(Object.entries(entry.xattrs ?? {}));
  for (const [key, value] of xattrs) pax.push(formatPaxRecord(`SCHILY.xattr.${key}`, value));

  const ustar = encodeHeader({
    flag: FLAG_BY_TYPE[entry.type],
    name: split ? split.name : entry.name.slice(0, 100),
    prefix: split ? split.prefix : '',
    linkname: linkname.slice(0, 100),
    mode: entry.mode ?? (entry.type === 'directory' ? 0o755 : 0o644),
    uid: Math.min(entry.uid ?? 0, MAX_OCTAL_8),
    gid: Math.min(entry.gid ?? 0, MAX_OCTAL_8),
    size,
    mtime: Math.max(0, Math.min(Math.floor(mtime), MAX_OCTAL_12)),
    uname: entry.uname,
    gname: entry.gname,
    devmajor: entry.devmajor,
    devminor: entry.devminor,
  });
  if (pax.length === 0) return ustar;
  const paxBody = Buffer.concat(pax);
  const paxHeader = encodeHeader({ flag: 'x', name: 'PaxHeader', size: paxBody.length, mode: 0o644 });
  return Buffer.concat([paxHeader, paxBody, padTo512(paxBody.length), ustar]);
}

/** A whole archive in memory: for tests and small layers. */
export function buildTar(entries: Array<WriteEntry & { data?: Buffer | string }>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    const size = entry.type === 'file' ? data.length : 0;
    parts.push(headerBlocks({ ...entry, size }));
    if (size > 0) parts.push(data, padTo512(size));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
