// Real overlay mounts of snapshot chains built by applying layers (root only).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { applyLayerToMounts, applyLayerViaTemporaryMount } from '../../../src/diff/apply-mounts';
import { getXattrs } from '../../../src/diff/special-files';
import { buildTar, WriteEntry } from '../../../src/diff/tar/writer';
import { mountAll, unmountAll } from '../../../src/mount';
import { NativeSnapshotter } from '../../../src/snapshots/native';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';
import { Mount, Snapshotter } from '../../../src/snapshots/types';

const isRoot = process.getuid!() === 0;
const maybe = isRoot ? describe : describe.skip;

type Entry = WriteEntry & { data?: string | Buffer };
async function* layer(entries: Entry[], gzip = false) {
  const tar = buildTar(entries);
  yield gzip ? zlib.gzipSync(tar) : tar;
}

let base: string;
let mounted: string[];

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-snapint-'));
  mounted = [];
});
afterEach(async () => {
  for (const target of mounted.reverse()) {
    try {
      await unmountAll(target);
    } catch {
      /* already unmounted by the test */
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
});

async function mountAt(mounts: Mount[], name: string): Promise<string> {
  const target = path.join(base, name);
  fs.mkdirSync(target);
  await mountAll(mounts, target);
  mounted.push(target);
  return target;
}

async function unpack(s: Snapshotter, name: string, parent: string, entries: Entry[]) {
  const key = `extract-${name}`;
  const mounts = await s.prepare(key, parent);
  const result = await applyLayerToMounts(mounts, layer(entries, true));
  await s.commit(name, key, { 'containerd.io/uncompressed': result.diffId });
  return result;
}

const lowerLayer: Entry[] = [
  { name: 'etc/', type: 'directory', mode: 0o755 },
  { name: 'etc/keep', type: 'file', data: 'keep\n' },
  { name: 'etc/gone', type: 'file', data: 'gone\n' },
  { name: 'etc/gonedir/', type: 'directory' },
  { name: 'etc/gonedir/inner', type: 'file', data: 'inner' },
  { name: 'opq/', type: 'directory', mode: 0o750, uid: 7, gid: 8 },
  { name: 'opq/old1', type: 'file', data: 'old1' },
  { name: 'opq/sub/', type: 'directory' },
  { name: 'opq/sub/old2', type: 'file', data: 'old2' },
  { name: 'deep/', type: 'directory', mode: 0o711, uid: 5, gid: 6, mtime: 1234567 },
  { name: 'deep/er/', type: 'directory', mode: 0o700 },
];
const upperLayer: Entry[] = [
  { name: 'etc/.wh.gone', type: 'file' },
  { name: 'etc/.wh.gonedir', type: 'file' },
  { name: 'etc/added', type: 'file', data: 'added\n', mode: 0o600 },
  { name: 'opq/', type: 'directory', mode: 0o750, uid: 7, gid: 8 },
  { name: 'opq/.wh..wh..opq', type: 'file' },
  { name: 'opq/new', type: 'file', data: 'new' },
  // a file whose parents the layer does not list: they keep the lower layer's metadata
  { name: 'deep/er/file', type: 'file', data: 'deep' },
];

maybe('overlayfs snapshotter with real mounts', () => {
  test('2-layer chain: whiteouts and an opaque dir hide lower files; writes stay in the container layer', async () => {
    const s = new OverlaySnapshotter(path.join(base, 'overlayfs'));
    await unpack(s, 'L1', '', lowerLayer);
    await unpack(s, 'L2', 'L1', upperLayer);

    // the upper layer holds overlay whiteouts, not deletions
    const l2 = path.join(base, 'overlayfs/snapshots/2/fs');
    const whiteout = fs.lstatSync(path.join(l2, 'etc/gone'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev === 0).toBe(true);
    expect((await getXattrs(path.join(l2, 'opq'))).get('trusted.overlay.opaque')?.toString()).toBe('y');
    const impliedParent = fs.lstatSync(path.join(l2, 'deep'));
    expect([impliedParent.mode & 0o7777, impliedParent.uid, impliedParent.gid, impliedParent.mtimeMs]).toEqual([0o711, 5, 6, 1234567000]);

    const rootfs = await mountAt(await s.prepare('container', 'L2'), 'rootfs');
    expect(fs.readdirSync(path.join(rootfs, 'etc')).sort()).toEqual(['added', 'keep']);
    expect(fs.readFileSync(path.join(rootfs, 'etc/keep'), 'utf8')).toBe('keep\n');
    expect(fs.readdirSync(path.join(rootfs, 'opq'))).toEqual(['new']);
    expect(fs.statSync(path.join(rootfs, 'opq')).mode & 0o7777).toBe(0o750);
    expect(fs.statSync(path.join(rootfs, 'etc/added')).mode & 0o7777).toBe(0o600);
    expect(fs.readFileSync(path.join(rootfs, 'deep/er/file'), 'utf8')).toBe('deep');
    expect(fs.statSync(path.join(rootfs, 'deep')).mode & 0o7777).toBe(0o711);

    fs.writeFileSync(path.join(rootfs, 'etc/keep'), 'changed');
    fs.rmSync(path.join(rootfs, 'opq/new'));
    expect(fs.readFileSync(path.join(base, 'overlayfs/snapshots/1/fs/etc/keep'), 'utf8')).toBe('keep\n');
    expect(fs.existsSync(path.join(l2, 'opq/new'))).toBe(true);
    const usage = await s.usage('container');
    expect(usage.inodes).toBeGreaterThanOrEqual(3);

    // a view of the chain is read-only and shows the committed state
    const view = await mountAt(await s.view('v', 'L2'), 'view');
    expect(fs.readFileSync(path.join(view, 'etc/keep'), 'utf8')).toBe('keep\n');
    expect(() => fs.writeFileSync(path.join(view, 'x'), 'x')).toThrow(/EROFS/);
    const view1 = await mountAt(await s.view('v1', 'L1'), 'view1');
    expect(fs.readdirSync(path.join(view1, 'etc')).sort()).toEqual(['gone', 'gonedir', 'keep']);
    expect(() => fs.writeFileSync(path.join(view1, 'x'), 'x')).toThrow(/EROFS/);

    await unmountAll(rootfs);
    await unmountAll(view);
    await unmountAll(view1);
    mounted = [];
    for (const key of ['container', 'v', 'v1', 'L2', 'L1']) await s.remove(key);
    expect(fs.readdirSync(path.join(base, 'overlayfs/snapshots'))).toEqual([]);
  });

  test('a chain whose lowerdir option exceeds a page still mounts', async () => {
    // a long root path makes every lowerdir long: 24 layers * ~230 bytes > 4096
    const s = new OverlaySnapshotter(path.join(base, 'r'.repeat(200)));
    let parent = '';
    for (let i = 1; i <= 24; i++) {
      await unpack(s, `L${i}`, parent, [{ name: `f${i}`, type: 'file', data: String(i) }, { name: 'top', type: 'file', data: String(i) }]);
      parent = `L${i}`;
    }
    const mounts = await s.prepare('c', parent);
    expect(mounts[0].options.join(',').length).toBeGreaterThan(4096);
    const rootfs = await mountAt(mounts, 'rootfs');
    expect(fs.readdirSync(rootfs).length).toBe(25);
    expect(fs.readFileSync(path.join(rootfs, 'top'), 'utf8')).toBe('24');
    expect(fs.readFileSync(path.join(rootfs, 'f1'), 'utf8')).toBe('1');
    const view = await mountAt(await s.view('v', parent), 'view');
    expect(fs.readFileSync(path.join(view, 'f3'), 'utf8')).toBe('3');
  });

  test('applying through a temporary mount: the kernel records deletions as whiteouts in the upper dir', async () => {
    const s = new OverlaySnapshotter(path.join(base, 'overlayfs'));
    await unpack(s, 'L1', '', lowerLayer);
    const mounts = await s.prepare('c', 'L1');
    const result = await applyLayerViaTemporaryMount(mounts, layer(upperLayer));
    expect(result.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const upper = path.join(base, 'overlayfs/snapshots/2/fs');
    expect(fs.lstatSync(path.join(upper, 'etc/gone')).isCharacterDevice()).toBe(true);
    expect(fs.readFileSync(path.join(upper, 'etc/added'), 'utf8')).toBe('added\n');
    const rootfs = await mountAt(mounts, 'rootfs');
    expect(fs.readdirSync(path.join(rootfs, 'opq'))).toEqual(['new']);
    expect(fs.readdirSync(path.join(rootfs, 'etc')).sort()).toEqual(['added', 'keep']);
    await unmountAll(rootfs);
    mounted = [];

    // a lowerdir-only overlay is read-only: a clear error, and no mount is left behind
    fs.mkdirSync(path.join(base, 'empty'));
    const readOnly: Mount[] = [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${path.join(base, 'overlayfs/snapshots/1/fs')}:${path.join(base, 'empty')}`] }];
    await expect(applyLayerToMounts(readOnly, layer(upperLayer))).rejects.toThrow(/applying layer entry .*read-only file system/);
    expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET']).toString()).not.toContain('runts-apply-');
  });
});

maybe('native snapshotter with real bind mounts', () => {
  test('2-layer chain applies whiteouts as deletions in a full copy', async () => {
    const s = new NativeSnapshotter(path.join(base, 'native'));
    await unpack(s, 'L1', '', lowerLayer);
    await unpack(s, 'L2', 'L1', upperLayer);
    const rootfs = await mountAt(await s.prepare('container', 'L2'), 'rootfs');
    expect(fs.readdirSync(path.join(rootfs, 'etc')).sort()).toEqual(['added', 'keep']);
    expect(fs.readdirSync(path.join(rootfs, 'opq'))).toEqual(['new']);
    fs.writeFileSync(path.join(rootfs, 'etc/keep'), 'changed');
    expect(fs.readFileSync(path.join(base, 'native/snapshots/2/fs/etc/keep'), 'utf8')).toBe('keep\n');
    const view = await mountAt(await s.view('v', 'L2'), 'view');
    expect(() => fs.writeFileSync(path.join(view, 'x'), 'x')).toThrow(/EROFS/);
  });
});
