import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { applyLayer } from '../../../src/diff/apply';
import { buildTar, endOfArchive, headerBlocks, WriteEntry } from '../../../src/diff/tar/writer';

type Entry = WriteEntry & { data?: string | Buffer };

async function* chunksOf(data: Buffer, size = 1000) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

let base: string;
let root: string;
let outside: string;

/** Everything under the outside directory, with contents, so any change shows. */
function snapshotOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      out[path.relative(dir, p)] = st.isFile() ? `${fs.readFileSync(p, 'utf8')}|${st.nlink}|${st.mode}` : st.isDirectory() ? 'dir' : 'other';
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-apply-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'untouched');
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

async function apply(entries: Entry[], whiteouts: 'delete' | 'overlay' = 'delete') {
  return applyLayer(root, chunksOf(buildTar(entries)), { whiteouts });
}

describe('safe extraction: hostile layers never touch anything outside the target', () => {
  let before: Record<string, string>;
  beforeEach(() => {
    before = snapshotOf(outside);
  });
  afterEach(() => {
    expect(snapshotOf(outside)).toEqual(before);
  });

  test('"../" names are contained in the root', async () => {
    await apply([{ name: '../../outside/secret', type: 'file', data: 'pwned' }, { name: '../../../x', type: 'file', data: 'x' }]);
    expect(fs.readFileSync(path.join(root, 'outside/secret'), 'utf8')).toBe('pwned');
    expect(fs.readFileSync(path.join(root, 'x'), 'utf8')).toBe('x');
  });

  test('absolute names are contained in the root', async () => {
    await apply([{ name: path.join(outside, 'secret'), type: 'file', data: 'pwned' }]);
    expect(fs.readFileSync(path.join(root, outside, 'secret'), 'utf8')).toBe('pwned');
  });

  test('file through an absolute symlink lands inside the root', async () => {
    await apply([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/secret', type: 'file', data: 'pwned' },
      { name: 'evil/newdir/', type: 'directory' },
    ]);
    expect(fs.readFileSync(path.join(root, outside, 'secret'), 'utf8')).toBe('pwned');
    expect(fs.lstatSync(path.join(root, outside, 'newdir')).isDirectory()).toBe(true);
    expect(fs.readlinkSync(path.join(root, 'evil'))).toBe(outside);
  });

  test('file through a relative "../" symlink chain lands inside the root', async () => {
    await apply([
      { name: 'a/', type: 'directory' },
      { name: 'a/up', type: 'symlink', linkname: '../../../../../../..' },
      { name: 'a/hop', type: 'symlink', linkname: 'up/outside' },
      { name: 'a/hop/secret', type: 'file', data: 'pwned' },
    ]);
    expect(fs.readFileSync(path.join(root, 'outside/secret'), 'utf8')).toBe('pwned');
  });

  test('symlink loops fail with a clear error', async () => {
    await expect(apply([
      { name: 'l1', type: 'symlink', linkname: 'l2' },
      { name: 'l2', type: 'symlink', linkname: 'l1' },
      { name: 'l1/x', type: 'file', data: 'x' },
    ])).rejects.toThrow(/applying layer entry "l1\/x": .*too many levels of symbolic links/);
  });

  test('a final-component symlink is replaced, not followed', async () => {
    await apply([
      { name: 's', type: 'symlink', linkname: path.join(outside, 'secret') },
      { name: 's', type: 'file', data: 'replaced', mode: 0o600 },
    ]);
    expect(fs.lstatSync(path.join(root, 's')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(root, 's'), 'utf8')).toBe('replaced');
  });

  test('hard link to a file outside is rejected', async () => {
    await expect(apply([{ name: 'h', type: 'hardlink', linkname: '../outside/secret' }]))
      .rejects.toThrow(/applying layer entry "h": hard link target "..\/outside\/secret" not found in the layer/);
    await expect(apply([{ name: 'h2', type: 'hardlink', linkname: path.join(outside, 'secret') }]))
      .rejects.toThrow(/not found in the layer/);
  });

  test('hard link through a symlink pointing outside is resolved inside the root', async () => {
    await expect(apply([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'h', type: 'hardlink', linkname: 'evil/secret' },
    ])).rejects.toThrow(/not found in the layer/);
  });

  test('whiteouts through a symlink delete inside the root only', async () => {
    await apply([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/.wh.secret', type: 'file' },
      { name: '../outside/.wh.secret', type: 'file' },
      { name: 'evil/.wh..wh..opq', type: 'file' },
    ]);
  });
});

describe('applying ordinary layers', () => {
  test('files, dirs, symlinks, hard links, fifos, modes, mtimes; diff ID of the uncompressed tar', async () => {
    const tar = buildTar([
      { name: 'etc/', type: 'directory', mode: 0o751, mtime: 1600000000 },
      { name: 'etc/hosts', type: 'file', data: '127.0.0.1 localhost\n', mode: 0o640, mtime: 1500000000 },
      { name: 'etc/setuid', type: 'file', data: '#!', mode: 0o4755, uid: 1, gid: 2 },
      { name: 'etc/link', type: 'symlink', linkname: 'hosts', mtime: 1400000000 },
      // as tar writers record it: the link's header repeats the file's metadata (it is applied)
      { name: 'etc/hard', type: 'hardlink', linkname: 'etc/hosts', mode: 0o640, mtime: 1500000000 },
      { name: 'run/', type: 'directory' },
      { name: 'run/fifo', type: 'fifo', mode: 0o620 },
      { name: 'big', type: 'file', data: Buffer.alloc(300000, 7) },
    ]);
    const result = await applyLayer(root, chunksOf(tar, 777), { whiteouts: 'delete' });
    expect(result.diffId).toBe('sha256:' + createHash('sha256').update(tar).digest('hex'));
    expect(result.size).toBe(tar.length);
    expect(result.compression).toBe('none');
    const etc = fs.statSync(path.join(root, 'etc'));
    expect(etc.mode & 0o7777).toBe(0o751);
    expect(etc.mtimeMs).toBe(1600000000 * 1000);
    const hosts = fs.statSync(path.join(root, 'etc/hosts'));
    expect(hosts.mode & 0o7777).toBe(0o640);
    expect(hosts.mtimeMs).toBe(1500000000 * 1000);
    expect(hosts.nlink).toBe(2);
    expect(fs.statSync(path.join(root, 'etc/hard')).ino).toBe(hosts.ino);
    expect(fs.readlinkSync(path.join(root, 'etc/link'))).toBe('hosts');
    expect(fs.lstatSync(path.join(root, 'etc/link')).mtimeMs).toBe(1400000000 * 1000);
    expect(fs.lstatSync(path.join(root, 'run/fifo')).isFIFO()).toBe(true);
    expect(fs.lstatSync(path.join(root, 'run/fifo')).mode & 0o777).toBe(0o620);
    expect(fs.readFileSync(path.join(root, 'big')).equals(Buffer.alloc(300000, 7))).toBe(true);
    if (process.getuid!() === 0) {
      const setuid = fs.statSync(path.join(root, 'etc/setuid'));
      expect([setuid.uid, setuid.gid, setuid.mode & 0o7777]).toEqual([1, 2, 0o4755]);
    }
  });

  test('gzip and zstd layers give the same tree and diff ID as the plain tar', async () => {
    const tar = buildTar([{ name: 'd/', type: 'directory' }, { name: 'd/f', type: 'file', data: 'compressed' }]);
    const plainId = 'sha256:' + createHash('sha256').update(tar).digest('hex');
    const gz = zlib.gzipSync(tar);
    const r1 = await applyLayer(root, chunksOf(gz), { whiteouts: 'delete', expectedDiffId: plainId });
    expect(r1.compression).toBe('gzip');
    expect(r1.digest).toBe('sha256:' + createHash('sha256').update(gz).digest('hex'));
    const zst = execFileSync('zstd', ['-c', '-q'], { input: tar });
    fs.rmSync(path.join(root, 'd'), { recursive: true });
    const r2 = await applyLayer(root, chunksOf(zst), { whiteouts: 'delete', expectedDiffId: plainId });
    expect(r2.compression).toBe('zstd');
    expect(fs.readFileSync(path.join(root, 'd/f'), 'utf8')).toBe('compressed');
  });

  test('a wrong diff ID and corrupt compression are clear errors', async () => {
    const tar = buildTar([{ name: 'f', type: 'file', data: 'x' }]);
    await expect(applyLayer(root, chunksOf(tar), { whiteouts: 'delete', expectedDiffId: 'sha256:' + '0'.repeat(64) }))
      .rejects.toThrow(/layer diff ID mismatch: expected sha256:0{64}, got sha256:[0-9a-f]{64}/);
    const gz = zlib.gzipSync(tar);
    await expect(applyLayer(root, chunksOf(gz.subarray(0, gz.length - 12)), { whiteouts: 'delete' }))
      .rejects.toThrow(/decompressing gzip layer/);
    const zst = execFileSync('zstd', ['-c', '-q'], { input: tar });
    zst[zst.length - 3] ^= 0xff;
    await expect(applyLayer(root, chunksOf(zst), { whiteouts: 'delete' })).rejects.toThrow(/decompressing zstd layer/);
  });

  test('delete-mode whiteouts and opaque directories (native snapshotter semantics)', async () => {
    await apply([
      { name: 'a/', type: 'directory' }, { name: 'a/x', type: 'file', data: 'x' }, { name: 'a/y', type: 'file', data: 'y' },
      { name: 'b', type: 'file', data: 'b' },
      { name: 'c/', type: 'directory' }, { name: 'c/old', type: 'file', data: 'old' }, { name: 'c/sub/', type: 'directory' },
      { name: 'c/sub/deep', type: 'file', data: 'deep' },
    ]);
    await apply([
      { name: 'a/.wh.x', type: 'file' },
      { name: '.wh.b', type: 'file' },
      { name: 'c/', type: 'directory' },
      { name: 'c/sub/', type: 'directory' },
      { name: 'c/sub/fresh', type: 'file', data: 'fresh' },
      { name: 'c/.wh..wh..opq', type: 'file' },
      { name: 'c/new', type: 'file', data: 'new' },
    ]);
    expect(fs.readdirSync(path.join(root, 'a'))).toEqual(['y']);
    expect(fs.existsSync(path.join(root, 'b'))).toBe(false);
    expect(fs.readdirSync(path.join(root, 'c')).sort()).toEqual(['new', 'sub']);
    expect(fs.readdirSync(path.join(root, 'c/sub'))).toEqual(['fresh']);
  });
});

describe('failing applies stop their decompressor', () => {
  test('no zstd process is left behind when an entry fails', async () => {
    const big = Buffer.alloc(8 << 20, 1);
    const tar = buildTar([{ name: 'h', type: 'hardlink', linkname: 'missing' }, { name: 'big', type: 'file', data: big }]);
    const zst = execFileSync('zstd', ['-c', '-q', '-1'], { input: tar, maxBuffer: 64 << 20 });
    const children = () => execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]).toString().split('\n').filter((l) => l.includes('zstd'));
    await expect(applyLayer(root, chunksOf(zst, 4096), { whiteouts: 'delete' })).rejects.toThrow(/not found in the layer/);
    for (let i = 0; i < 50 && children().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(children()).toEqual([]);
  });
});

describe('hostile whiteout names are refused and change nothing (containerd: "invalid whiteout name")', () => {
  // The target sits inside `base` beside `outside`, so a whiteout reaching the root, its parent
  // or anything above shows in one of the three trees.
  const everything = () => ({ base: snapshotOf(base), rootExists: fs.existsSync(root) });
  const previousLayer: Entry[] = [
    { name: 'etc/', type: 'directory' }, { name: 'etc/keep', type: 'file', data: 'etc' }, { name: 'keep', type: 'file', data: 'root' },
  ];
  beforeEach(() => {
    fs.writeFileSync(path.join(base, 'beside-root'), 'canary');
  });

  const names = ['.wh.', '.wh..', '.wh...', 'etc/.wh.', 'etc/.wh..', 'etc/.wh...', './.wh...', 'etc/../.wh...'];
  for (const mode of ['delete', 'overlay'] as const) {
    for (const name of names) {
      test(`${mode} mode: ${JSON.stringify(name)} in a later layer`, async () => {
        await apply(previousLayer, mode);
        const before = everything();
        const hostile: Entry[] = [{ name: 'etc/', type: 'directory' }, { name, type: 'file' }, { name: 'late', type: 'file', data: 'x' }];
        const dirName = JSON.stringify(name);
        await expect(apply(hostile, mode)).rejects.toThrow(
          new RegExp(`^applying layer entry ${dirName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid whiteout name "\\.{0,2}"$`));
        const after = everything();
        // The hostile layer may have applied its entries before the whiteout; nothing was removed.
        for (const [p, v] of Object.entries(before.base)) expect([p, after.base[p]]).toEqual([p, v]);
        expect(after.rootExists).toBe(true);
      });
    }
    test(`${mode} mode: a whiteout as the first entry of the first layer`, async () => {
      const before = everything();
      await expect(apply([{ name: '.wh..', type: 'file' }], mode)).rejects.toThrow(/invalid whiteout name "\."/);
      expect(everything()).toEqual(before);
    });
  }

  test('hard links to the root, "." or ".." are refused', async () => {
    for (const linkname of ['.', '..', 'etc/..', './', '/']) {
      await expect(apply([{ name: 'h', type: 'hardlink', linkname }])).rejects.toThrow(/hard link to the layer root/);
    }
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
  });

  test('an opaque marker at the layer root clears only what lies below the root', async () => {
    await apply(previousLayer);
    await apply([{ name: 'fresh', type: 'file', data: 'f' }, { name: '.wh..wh..opq', type: 'file' }]);
    expect(fs.readdirSync(root)).toEqual(['fresh']);
    expect(fs.readFileSync(path.join(base, 'beside-root'), 'utf8')).toBe('canary');
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
  });
});

describe('numbers a syscall cannot take are named', () => {
  test.each([
    ['uid', { uid: 2 ** 40 }, /applying layer entry "big-uid": uid 1099511627776 is out of range \(0 to 4294967294\)$/],
    ['gid', { gid: 2 ** 33 }, /applying layer entry "big-uid": gid 8589934592 is out of range/],
  ])('%s', async (_field, fields, message) => {
    await expect(apply([{ name: 'big-uid', type: 'file', data: 'x', ...fields }])).rejects.toThrow(message);
  });
});

describe('parent directories copied from lower layers', () => {
  test('a lower layer\'s symlink is not followed onto the host for metadata', async () => {
    const lower = path.join(base, 'lower');
    fs.mkdirSync(lower);
    fs.mkdirSync(path.join(outside, 'sub'), { mode: 0o700 });
    fs.chmodSync(path.join(outside, 'sub'), 0o700);
    fs.symlinkSync(outside, path.join(lower, 'a'));
    await applyLayer(root, chunksOf(buildTar([{ name: 'a/sub/file', type: 'file', data: 'x' }])), { whiteouts: 'overlay', parentLayers: [lower] });
    expect(fs.statSync(path.join(root, 'a/sub')).mode & 0o777).toBe(0o755);
  });

  test('a real lower directory gives its mode', async () => {
    const lower = path.join(base, 'lower');
    fs.mkdirSync(path.join(lower, 'a/sub'), { recursive: true });
    fs.chmodSync(path.join(lower, 'a/sub'), 0o710);
    await applyLayer(root, chunksOf(buildTar([{ name: 'a/sub/file', type: 'file', data: 'x' }])), { whiteouts: 'overlay', parentLayers: [lower] });
    expect(fs.statSync(path.join(root, 'a/sub')).mode & 0o777).toBe(0o710);
  });
});

describe('memory does not grow with the number of entries', () => {
  const gc: () => void = (() => {
    require('v8').setFlagsFromString('--expose-gc');
    return require('vm').runInNewContext('gc');
  })();

  /** A layer of `count` entries that create no inode (one directory listed again and again). */
  async function* repeatedEntries(count: number, onProgress: (n: number) => void) {
    yield headerBlocks({ name: 'd/', type: 'directory' });
    for (let i = 0; i < count; i += 500) {
      onProgress(i);
      yield Buffer.concat(Array.from({ length: 500 }, () => headerBlocks({ name: 'd/', type: 'directory', mtime: i })));
    }
    yield endOfArchive();
  }

  test.each(['overlay', 'delete'] as const)('%s mode: heap after 2.5k and after 20k entries differs by < 1 MB', async (whiteouts) => {
    const heapAt: Record<number, number> = {};
    const onProgress = (n: number) => {
      if (n === 2500 || n === 20000) {
        gc();
        heapAt[n] = process.memoryUsage().heapUsed;
      }
    };
    await applyLayer(root, repeatedEntries(20500, onProgress), { whiteouts });
    expect(Object.keys(heapAt)).toHaveLength(2);
    expect(heapAt[20000] - heapAt[2500]).toBeLessThan(1 << 20);
  }, 60000);
});
