// A streaming tar reader: ustar, GNU long names/links ('L'/'K') and PAX headers ('x', 'g').
// Every entry's body must be consumed or is skipped before the next header is read. Hostile input
// (bad checksums, truncation, absurd sizes, malformed PAX) ends the stream with one clear error.

import { RuntsError } from '../../foundation/errors';
import { ByteSource } from './byte-source';
import { BLOCK_SIZE, TarHeader, decodeHeader, entryTypeOf, hasBody, isZeroBlock, RawHeader } from './header';
import { parsePaxRecords } from './pax';

export interface TarEntry {
  header: TarHeader;
  /** The entry's bytes; read it fully or leave it: the reader skips what is left. */
  body: AsyncIterable<Buffer>;
}

export interface ReadTarOptions {
  /** Upper bound for PAX and GNU long-name bodies, which are held in memory. */
  maxMetadataSize?: number;
}

/** A malformed or hostile archive: the caller's input is invalid. */
export class TarFormatError extends RuntsError {
  constructor(message: string) {
    super(message, 'invalid');
    this.name = 'TarFormatError';
  }
}

const DEFAULT_MAX_METADATA = 1 << 20;

const padding = (size: number) => (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;

export async function* readTar(
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadTarOptions = {},
): AsyncGenerator<TarEntry> {
  const source = new ByteSource(stream);
  const maxMetadata = options.maxMetadataSize ?? DEFAULT_MAX_METADATA;
  const globalPax = new Map<string, Buffer>();
  let pendingPax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;

  const fail = (at: number, what: string): never => {
    throw new TarFormatError(`invalid tar archive at byte ${at}: ${what}`);
  };

  const readMetadataBody = async (raw: RawHeader, at: number): Promise<Buffer> => {
    if (raw.size > maxMetadata) fail(at, `${describeFlag(raw.flag)} of ${raw.size} bytes exceeds the ${maxMetadata}-byte limit`);
    const data = await source.read(raw.size);
    if (data.length < raw.size) fail(at, `archive truncated inside ${describeFlag(raw.flag)} (${data.length} of ${raw.size} bytes)`);
    const pad = padding(raw.size);
    if ((await source.skip(pad)) < pad) fail(at, `archive truncated after ${describeFlag(raw.flag)}`);
    return data;
  };

  for (;;) {
    const at = source.offset;
    const block = await source.read(BLOCK_SIZE);
    if (block.length === 0) {
      // No end-of-archive blocks: tolerated only when nothing is pending (GNU tar does the same).
      if (pendingPax.size || longName !== undefined || longLink !== undefined) fail(at, 'archive ends after an extended header');
      return;
    }
    if (block.length < BLOCK_SIZE) fail(at, `archive truncated inside a header (${block.length} of ${BLOCK_SIZE} bytes)`);
    if (isZeroBlock(block)) {
      if (pendingPax.size || longName !== undefined || longLink !== undefined) fail(at, 'end of archive right after an extended header');
      return;
    }

    let raw: RawHeader;
    try {
      raw = decodeHeader(block);
    } catch (err) {
      return fail(at, (err as Error).message);
    }

    switch (raw.flag) {
      case 'x':
        pendingPax = mergePax(pendingPax, parsePax(await readMetadataBody(raw, at), at, fail));
        continue;
      case 'g':
        for (const [key, value] of parsePax(await readMetadataBody(raw, at), at, fail)) globalPax.set(key, value);
        continue;
      case 'L':
        longName = trimNul(await readMetadataBody(raw, at));
        continue;
      case 'K':
        longLink = trimNul(await readMetadataBody(raw, at));
        continue;
    }

    const type = entryTypeOf(raw.flag);
    if (!type) fail(at, `unsupported entry type ${JSON.stringify(raw.flag)} for ${JSON.stringify(raw.name)}`);

    const pax = pendingPax.size === 0 ? globalPax : mergePax(globalPax, pendingPax);
    const header = buildHeader(raw, type!, pax, longName, longLink, (what) => fail(at, what));
    if (pendingPax.size > 0) pendingPax = new Map();
    longName = undefined;
    longLink = undefined;

    const bodySize = hasBody(raw.flag) ? header.size : 0;
    if (!hasBody(raw.flag)) header.size = 0;
    let remaining = bodySize;
    const body = (async function* () {
      while (remaining > 0) {
        const part = await source.readSome(Math.min(remaining, 1 << 20));
        if (part.length === 0) fail(at, `archive truncated inside ${JSON.stringify(header.name)} (${bodySize - remaining} of ${bodySize} bytes)`);
        remaining -= part.length;
        yield part;
      }
    })();

    yield { header, body };

    if (remaining > 0) {
      const skipped = await source.skip(remaining);
      if (skipped < remaining) fail(at, `archive truncated inside ${JSON.stringify(header.name)} (${bodySize - remaining + skipped} of ${bodySize} bytes)`);
      remaining = 0;
    }
    const pad = padding(bodySize);
    if ((await source.skip(pad)) < pad) fail(at, `archive truncated after ${JSON.stringify(header.name)}`);
  }
}

function describeFlag(flag: string): string {
  return flag === 'L' || flag === 'K' ? 'a GNU long name' : 'a PAX header';
}

function trimNul(data: Buffer): string {
  const end = data.indexOf(0);
  return data.subarray(0, end < 0 ? data.length : end).toString('utf8');
}

function parsePax(data: Buffer, at: number, fail: (at: number, what: string) => never): Map<string, Buffer> {
  try {
    return parsePaxRecords(data);
  } catch (err) {
    return fail(at, (err as Error).message);
  }
}

function mergePax(base: Map<string, Buffer>, over: Map<string, Buffer>): Map<string, Buffer> {
  const merged = new Map(base);
  for (const [key, value] of over) merged.set(key, value);
  return merged;
}

function paxNumber(pax: Map<string, Buffer>, key: string, fallback: number, fail: (what: string) => never, fractional = false): number {
  const value = pax.get(key);
  if (value === undefined || value.length === 0) return fallback;
  const text = value.toString('latin1');
  const pattern = fractional ? /^-?[0-9]+(\.[0-9]+)?$/ : /^[0-9]+$/;
  if (!pattern.test(text)) fail(`PAX ${key} is not a number (${JSON.stringify(text)})`);
  const n = Number(text);
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) fail(`PAX ${key} out of range (${text})`);
  return n;
}

function paxString(pax: Map<string, Buffer>, key: string, fallback: string, fail: (what: string) => never): string {
  const value = pax.get(key);
  if (value === undefined || value.length === 0) return fallback;
  if (value.includes(0)) fail(`PAX ${key} contains a NUL byte`);
  return value.toString('utf8');
}

function buildHeader(
  raw: RawHeader,
  type: TarHeader['type'],
  pax: Map<string, Buffer>,
  longName: string | undefined,
  longLink: string | undefined,
  fail: (what: string) => never,
): TarHeader {
  for (const key of pax.keys()) {
    if (key.startsWith('GNU.sparse.')) fail(`sparse files are not supported (${key})`);
  }
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
  }
  const name = paxString(pax, 'path', longName ?? raw.name, fail);
  if (name === '') fail('entry with an empty name');
  const header: TarHeader = {
    name,
    type,
    mode: raw.mode & 0o7777,
    uid: paxNumber(pax, 'uid', raw.uid, fail),
    gid: paxNumber(pax, 'gid', raw.gid, fail),
    size: paxNumber(pax, 'size', raw.size, fail),
    mtime: paxNumber(pax, 'mtime', raw.mtime, fail, true),
    linkname: paxString(pax, 'linkpath', longLink ?? raw.linkname, fail),
    uname: paxString(pax, 'uname', raw.uname, fail),
    gname: paxString(pax, 'gname', raw.gname, fail),
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs,
  };
  if (pax.has('atime')) header.atime = paxNumber(pax, 'atime', 0, fail, true);
  return header;
}
