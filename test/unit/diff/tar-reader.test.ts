import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTar, TarEntry } from '../../../src/diff/tar/reader';
import { buildTar, headerBlocks } from '../../../src/diff/tar/writer';

async function collect(data: Buffer, chunkSize = 4096): Promise<Array<{ entry: TarEntry['header']; data: Buffer }>> {
  async function* chunks() {
    for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
  }
  const out = [];
  for await (const entry of readTar(chunks())) {
    const parts: Buffer[] = [];
    for await (const part of entry.body) parts.push(part);
    out.push({ entry: entry.header, data: Buffer.concat(parts) });
  }
  return out;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-tar-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tar reader on archives made by GNU tar', () => {
  const longName = 'd/' + 'x'.repeat(150) + '/' + 'y'.repeat(120);

  function makeTree() {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, path.dirname(longName)), { recursive: true });
    fs.writeFileSync(path.join(src, longName), 'long');
    fs.writeFileSync(path.join(src, 'small'), 'hello\n');
    fs.symlinkSync('t'.repeat(130), path.join(src, 'longlink'));
    fs.linkSync(path.join(src, 'small'), path.join(src, 'hard'));
    fs.utimesSync(path.join(src, 'small'), 1000, 1234567890);
    return src;
  }

  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    test(`reads --format=${format}`, async () => {
      const src = makeTree();
      const tarFile = path.join(dir, 'a.tar');
      const names = format === 'ustar' ? ['small', 'hard'] : ['small', 'hard', 'longlink', 'd'];
      execFileSync('tar', [`--format=${format}`, '-cf', tarFile, '-C', src, ...names]);
      const entries = await collect(fs.readFileSync(tarFile), 333);
      const byName = new Map(entries.map((e) => [e.entry.name.replace(/\/$/, ''), e]));
      expect(byName.get('small')!.data.toString()).toBe('hello\n');
      expect(byName.get('small')!.entry.mtime).toBe(1234567890);
      expect(byName.get('hard')!.entry.type).toBe('hardlink');
      expect(byName.get('hard')!.entry.linkname).toBe('small');
      if (format !== 'ustar') {
        expect(byName.get(longName)!.data.toString()).toBe('long');
        expect(byName.get('longlink')!.entry.type).toBe('symlink');
        expect(byName.get('longlink')!.entry.linkname).toBe('t'.repeat(130));
      }
    });
  }

  test('reads SCHILY xattrs from a pax archive', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'x');
    try {
      execFileSync('setfattr', ['-n', 'user.runts', '-v', 'value1', path.join(src, 'f')]);
    } catch {
      return; // filesystem without user xattrs: nothing to read back
    }
    const tarFile = path.join(dir, 'x.tar');
    execFileSync('tar', ['--format=pax', '--xattrs', '--xattrs-include=user.*', '-cf', tarFile, '-C', src, 'f']);
    const [entry] = await collect(fs.readFileSync(tarFile));
    expect(entry.entry.xattrs.get('user.runts')!.toString()).toBe('value1');
  });
});

describe('tar writer output read by GNU tar', () => {
  test('long names, long links, big uids and xattrs survive', () => {
    const longName = 'a/' + 'b'.repeat(200);
    const archive = buildTar([
      { name: 'a/', type: 'directory' },
      { name: longName, type: 'file', data: 'content', uid: 3000000, mtime: 1700000000 },
      { name: 'l', type: 'symlink', linkname: 'z'.repeat(150) },
      { name: 'dev', type: 'char', devmajor: 1, devminor: 3 },
    ]);
    const tarFile = path.join(dir, 'w.tar');
    fs.writeFileSync(tarFile, archive);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', tarFile]).toString();
    expect(listing).toContain(longName);
    expect(listing).toContain('z'.repeat(150));
    expect(listing).toContain('3000000/0');
    expect(listing).toMatch(/crw-r--r-- 0\/0 +1,3 /);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xf', tarFile, '-C', out, longName]);
    expect(fs.readFileSync(path.join(out, longName), 'utf8')).toBe('content');
  });
});

describe('tar reader on hostile or broken input', () => {
  test('bad checksum is one clear error with the offset', async () => {
    const archive = buildTar([{ name: 'ok', type: 'file', data: 'x' }, { name: 'bad', type: 'file', data: 'y' }]);
    archive[1024 + 5] ^= 0x01; // second header: name byte flipped, checksum now wrong
    await expect(collect(archive)).rejects.toThrow(/invalid tar archive at byte 1024: bad header checksum/);
  });

  test('truncated body says which entry and how much arrived', async () => {
    const archive = buildTar([{ name: 'big', type: 'file', data: Buffer.alloc(5000, 1) }]);
    await expect(collect(archive.subarray(0, 512 + 3000))).rejects.toThrow(/truncated inside "big" \(3000 of 5000 bytes\)/);
  });

  test('truncated header', async () => {
    const archive = buildTar([{ name: 'a', type: 'file', data: 'x' }]);
    await expect(collect(archive.subarray(0, 1024 + 100))).rejects.toThrow(/truncated inside a header/);
  });

  test('a huge declared size does not allocate: it fails as truncated', async () => {
    const header = headerBlocks({ name: 'huge', type: 'file', size: 2 ** 40 });
    await expect(collect(Buffer.concat([header, Buffer.alloc(512)]))).rejects.toThrow(/truncated inside "huge"/);
  });

  test('oversized PAX header is refused before reading it', async () => {
    const header = headerBlocks({ name: 'x'.repeat(300), type: 'file' });
    // rewrite the PAX header's size field to 1 GiB (and fix its checksum)
    const forged = Buffer.from(header);
    forged.write('10000000000\0', 124, 'latin1');
    forged.write('        ', 148, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += forged[i];
    forged.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    await expect(collect(forged)).rejects.toThrow(/PAX header of 1073741824 bytes exceeds/);
  });

  test('malformed PAX record', async () => {
    const body = Buffer.from('99 path=short\n');
    const paxHeader = headerBlocks({ name: 'p', type: 'file' });
    // build a raw 'x' entry by hand
    const { encodeHeader } = await import('../../../src/diff/tar/header');
    const x = encodeHeader({ flag: 'x', name: 'PaxHeader', size: body.length });
    const archive = Buffer.concat([x, body, Buffer.alloc(512 - body.length), paxHeader, Buffer.alloc(1024)]);
    await expect(collect(archive)).rejects.toThrow(/malformed PAX record/);
  });

  test('non-octal number field', async () => {
    const archive = buildTar([{ name: 'a', type: 'file', data: 'x' }]);
    archive.write('9999', 100, 'latin1');
    archive.write('        ', 148, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += archive[i];
    archive.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    await expect(collect(archive)).rejects.toThrow(/mode is not an octal number/);
  });

  test('unread bodies are skipped and empty stream is an empty archive', async () => {
    const archive = buildTar([
      { name: 'a', type: 'file', data: Buffer.alloc(1500, 2) },
      { name: 'b', type: 'file', data: 'bee' },
    ]);
    const names: string[] = [];
    async function* one() { yield archive; }
    for await (const entry of readTar(one())) names.push(entry.header.name);
    expect(names).toEqual(['a', 'b']);
    async function* none() { /* nothing */ }
    const empty = [];
    for await (const entry of readTar(none())) empty.push(entry);
    expect(empty).toEqual([]);
  });
});
