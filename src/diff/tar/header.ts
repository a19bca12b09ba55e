// One tar header block (512 bytes): ustar fields, GNU base-256 numbers, and the checksum.
// Layout per POSIX ustar (pax(1)) with GNU's extensions for large numbers.

export const BLOCK_SIZE = 512;

/** The entry kinds a layer may carry; 'x'/'g'/'L'/'K' are consumed by the reader itself. */
export type EntryType =
  | 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch, fractional when a PAX header gave sub-second precision */
  mtime: number;
  atime?: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records of a PAX header, value bytes as given */
  xattrs: Map<string, Buffer>;
}

const TYPE_BY_FLAG: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file',
  '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo',
};

export const FLAG_BY_TYPE: Record<EntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6',
};

export function entryTypeOf(flag: string): EntryType | undefined {
  return TYPE_BY_FLAG[flag];
}

/** Types whose size field says nothing about a body: none follows (as GNU and Go's tar read it). */
export function hasBody(flag: string): boolean {
  return !['1', '2', '3', '4', '5', '6'].includes(flag);
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false;
  return true;
}

/** The checksum with the checksum field itself counted as eight spaces; both sign readings. */
function checksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

export function cString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit of the first byte set). */
export function parseNumber(block: Buffer, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0] & 0x80) {
    if (bytes[0] === 0xff) throw new Error(`negative ${field} in base-256 form`);
    let value = BigInt(bytes[0] & 0x7f);
    for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(bytes[i]);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${field} too large (${value})`);
    return Number(value);
  }
  const text = bytes.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`${field} is not an octal number (${JSON.stringify(text)})`);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new Error(`${field} too large (${text})`);
  return value;
}

export interface RawHeader {
  flag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

/** Decodes one header block; throws a plain message (the reader adds where it was). */
export function decodeHeader(block: Buffer): RawHeader {
  const stored = parseNumber(block, 148, 8, 'checksum');
  const { unsigned, signed } = checksums(block);
  if (stored !== unsigned && stored !== signed) {
    throw new Error(`bad header checksum (stored ${stored}, computed ${unsigned})`);
  }
  const magic = block.subarray(257, 263).toString('latin1');
  const isUstar = magic === 'ustar\0';
  const name = cString(block, 0, 100);
  // GNU ("ustar  ") keeps atime/ctime where ustar keeps the name prefix.
  const prefix = isUstar ? cString(block, 345, 155) : '';
  const isDevice = block[156] === 0x33 || block[156] === 0x34;
  return {
    flag: String.fromCharCode(block[156]),
    name: prefix ? `${prefix}/${name}` : name,
    linkname: cString(block, 157, 100),
    mode: parseNumber(block, 100, 8, 'mode'),
    uid: parseNumber(block, 108, 8, 'uid'),
    gid: parseNumber(block, 116, 8, 'gid'),
    size: parseNumber(block, 124, 12, 'size'),
    mtime: parseNumber(block, 136, 12, 'mtime'),
    uname: cString(block, 265, 32),
    gname: cString(block, 297, 32),
    devmajor: isDevice ? parseNumber(block, 329, 8, 'devmajor') : 0,
    devminor: isDevice ? parseNumber(block, 337, 8, 'devminor') : 0,
  };
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  Buffer.from(value, 'utf8').copy(block, offset, 0, length);
}

/** Octal when it fits (length-1 digits + NUL), otherwise GNU base-256. */
function writeNumber(block: Buffer, offset: number, length: number, value: number): void {
  const octal = Math.floor(value).toString(8);
  if (octal.length <= length - 1) {
    writeString(block, offset, length, octal.padStart(length - 1, '0') + '\0');
    return;
  }
  let rest = BigInt(Math.floor(value));
  for (let i = length - 1; i > 0; i--) {
    block[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[offset] = 0x80;
}

export interface EncodeFields {
  flag: string;
  name: string;
  prefix?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
}

/** Encodes one ustar header block with a correct checksum; fields too long are cut (callers use PAX). */
export function encodeHeader(f: EncodeFields): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  writeString(block, 0, 100, f.name);
  writeNumber(block, 100, 8, f.mode ?? 0o644);
  writeNumber(block, 108, 8, f.uid ?? 0);
  writeNumber(block, 116, 8, f.gid ?? 0);
  writeNumber(block, 124, 12, f.size ?? 0);
  writeNumber(block, 136, 12, f.mtime ?? 0);
  block.write(f.flag, 156, 'latin1');
  writeString(block, 157, 100, f.linkname ?? '');
  block.write('ustar\0' + '00', 257, 'latin1');
  writeString(block, 265, 32, f.uname ?? '');
  writeString(block, 297, 32, f.gname ?? '');
  writeNumber(block, 329, 8, f.devmajor ?? 0);
  writeNumber(block, 337, 8, f.devminor ?? 0);
  writeString(block, 345, 155, f.prefix ?? '');
  block.write('        ', 148, 'latin1');
  const { unsigned } = checksums(block);
  writeString(block, 148, 8, unsigned.toString(8).padStart(6, '0') + '\0 ');
  return block;
}
