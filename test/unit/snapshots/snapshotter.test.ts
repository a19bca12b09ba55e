import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JsonFileMetaStore } from '../../../src/snapshots/meta-store';
import { compactOverlayOptions } from '../../../src/mount';
import { NativeSnapshotter } from '../../../src/snapshots/native';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-snap-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const idOf = (mountSource: string) => path.basename(path.dirname(mountSource));

describe('overlayfs snapshotter model', () => {
  test('prepare/commit/view chain and the mounts containerd returns', async () => {
    const s = new OverlaySnapshotter(root);
    const base = await s.prepare('extract-1', '');
    expect(base).toEqual([{ type: 'bind', source: expect.stringMatching(/\/snapshots\/1\/fs$/), options: ['rw', 'rbind'] }]);
    fs.writeFileSync(path.join(base[0].source, 'a'), 'A');
    await s.commit('layer-1', 'extract-1', { 'containerd.io/uncompressed': 'sha256:x' });
    await expect(s.stat('extract-1')).rejects.toThrow(/snapshot "extract-1" does not exist/);
    const info = await s.stat('layer-1');
    expect(info).toMatchObject({ name: 'layer-1', kind: 'committed', parent: '', labels: { 'containerd.io/uncompressed': 'sha256:x' } });

    const active2 = await s.prepare('extract-2', 'layer-1');
    expect(active2).toHaveLength(1);
    expect(active2[0].type).toBe('overlay');
    const upper = active2[0].options.find((o) => o.startsWith('upperdir='))!.slice(9);
    expect(active2[0].options).toEqual([
      `workdir=${path.join(root, 'snapshots/2/work')}`, `upperdir=${upper}`, `lowerdir=${path.join(root, 'snapshots/1/fs')}`,
    ]);
    await s.commit('layer-2', 'extract-2');

    const view1 = await s.view('v1', 'layer-1');
    expect(view1).toEqual([{ type: 'bind', source: path.join(root, 'snapshots/1/fs'), options: ['ro', 'rbind'] }]);
    const view2 = await s.view('v2', 'layer-2');
    expect(view2).toEqual([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${path.join(root, 'snapshots/2/fs')}:${path.join(root, 'snapshots/1/fs')}`] }]);
    expect(await s.mounts('v2')).toEqual(view2);
    const container = await s.prepare('container', 'layer-2');
    expect(container[0].options[2]).toBe(`lowerdir=${path.join(root, 'snapshots/2/fs')}:${path.join(root, 'snapshots/1/fs')}`);
    expect((await s.stat('container')).kind).toBe('active');
    expect((await s.stat('v2')).kind).toBe('view');
  });

  test('containerd error rules: exists, missing, not committed, committed has no mounts, children block removal', async () => {
    const s = new OverlaySnapshotter(root);
    await s.prepare('a', '');
    await expect(s.prepare('a', '')).rejects.toMatchObject({ kind: 'exists', message: 'snapshot "a" already exists' });
    await expect(s.prepare('b', 'nope')).rejects.toMatchObject({ kind: 'not-found', message: 'parent snapshot "nope" does not exist' });
    await expect(s.prepare('b', 'a')).rejects.toMatchObject({ kind: 'state', message: 'parent snapshot "a" is not committed' });
    await s.commit('A', 'a');
    await expect(s.mounts('A')).rejects.toMatchObject({ kind: 'state' });
    await expect(s.commit('A2', 'A')).rejects.toThrow(/only active snapshots can be committed/);
    await s.view('v', 'A');
    await expect(s.commit('V', 'v')).rejects.toThrow(/"v" is a view snapshot/);
    await s.prepare('c', 'A');
    await expect(s.commit('A', 'c')).rejects.toMatchObject({ kind: 'exists' });
    await expect(s.remove('A')).rejects.toThrow(/cannot remove snapshot "A": snapshot "(v|c)" is based on it/);
    await s.remove('c');
    await s.remove('v');
    await s.remove('A');
    expect(await s.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'snapshots'))).toEqual([]);
    await expect(s.prepare('', '')).rejects.toMatchObject({ kind: 'invalid' });
    await expect(s.prepare('x', '', { ['k'.repeat(5000)]: 'v' })).rejects.toThrow(/exceed 4096 bytes/);
  });

  test('update labels by field path, list with filters', async () => {
    const s = new OverlaySnapshotter(root);
    await s.prepare('one', '', { keep: 'yes', 'containerd.io/gc.root': 'x' });
    await s.commit('ONE', 'one', { tier: 'base' });
    await s.prepare('two', 'ONE', { tier: 'top' });
    let info = await s.update({ name: 'two', labels: { added: '1', tier: 'ignored' } }, ['labels.added']);
    expect(info.labels).toEqual({ tier: 'top', added: '1' });
    info = await s.update({ name: 'two', labels: {} }, ['labels.tier']);
    expect(info.labels).toEqual({ added: '1' });
    info = await s.update({ name: 'two', labels: { only: 'this' } });
    expect(info.labels).toEqual({ only: 'this' });
    await expect(s.update({ name: 'two', labels: {} }, ['parent'])).rejects.toThrow(/only labels can change/);
    expect(info.updated.getTime()).toBeGreaterThanOrEqual(info.created.getTime());

    const names = async (filters: string[]) => (await s.list(filters)).map((i) => i.name).sort();
    expect(await names([])).toEqual(['ONE', 'two']);
    expect(await names(['kind==committed'])).toEqual(['ONE']);
    expect(await names(['parent==ONE'])).toEqual(['two']);
    expect(await names(['labels.tier==base'])).toEqual(['ONE']);
    expect(await names(['labels.only'])).toEqual(['two']);
    expect(await names(['name~=^o', 'name==ONE'])).toEqual(['ONE']);
    expect(await names(['name~=^t,kind==active'])).toEqual(['two']);
    expect(await names(['name!=ONE'])).toEqual(['two']);
    expect(await names(['labels."tier"==base'])).toEqual(['ONE']);
    // containerd's rules: name and parent are always present; a missing label reads as "" for != and ~=
    expect(await names(['parent'])).toEqual(['ONE', 'two']);
    expect(await names(['labels.nothing!=x'])).toEqual(['ONE', 'two']);
    expect(await names(['labels.nothing~=^$'])).toEqual(['ONE', 'two']);
    expect(await names(['labels.nothing'])).toEqual([]);
    expect(await names(['name~=/^T/', 'name~=|E$|'])).toEqual(['ONE']);
    await expect(s.list(['name~=('])).rejects.toThrow(/not a valid regular expression/);
  });

  test('usage: live for active snapshots, measured at commit for committed ones', async () => {
    const s = new OverlaySnapshotter(root);
    const [m] = await s.prepare('a', '');
    fs.writeFileSync(path.join(m.source, 'f'), Buffer.alloc(64 * 1024, 1));
    fs.linkSync(path.join(m.source, 'f'), path.join(m.source, 'f2'));
    const active = await s.usage('a');
    expect(active.inodes).toBe(2); // the fs directory and one file with two names
    expect(active.size).toBeGreaterThanOrEqual(64 * 1024);
    await s.commit('A', 'a');
    expect(await s.usage('A')).toEqual(active);
  });

  test('metadata survives a restart, and cleanup removes only debris', async () => {
    const s = new OverlaySnapshotter(root);
    await s.prepare('a', '');
    await s.commit('A', 'a');
    await s.prepare('b', 'A');
    // debris: a half-built snapshot and a removed one whose directory stayed
    fs.mkdirSync(path.join(root, 'snapshots/new-crashed/fs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'snapshots/99/fs'), { recursive: true });
    const restarted = new OverlaySnapshotter(root);
    expect((await restarted.list()).map((i) => `${i.name}:${i.kind}`).sort()).toEqual(['A:committed', 'b:active']);
    await restarted.cleanup();
    expect(fs.readdirSync(path.join(root, 'snapshots')).sort()).toEqual(['1', '2']);
    // an id left over by a crash after the rename is reused safely
    fs.mkdirSync(path.join(root, 'snapshots/3/fs/stale'), { recursive: true });
    const [m] = await restarted.prepare('c', '');
    expect(m.source).toBe(path.join(root, 'snapshots/3/fs'));
    expect(fs.readdirSync(m.source)).toEqual([]);
  });

  test('commit is one metadata write: a failing write leaves the active snapshot as it was', async () => {
    const meta = new JsonFileMetaStore(path.join(root, 'metadata.json'));
    const s = new OverlaySnapshotter(root, meta);
    await s.prepare('a', '');
    const before = fs.readFileSync(path.join(root, 'metadata.json'), 'utf8');
    fs.mkdirSync(path.join(root, `.metadata.json.${process.pid}.tmp`)); // the temp file cannot be created
    await expect(s.commit('A', 'a')).rejects.toThrow(/writing snapshot metadata/);
    expect(fs.readFileSync(path.join(root, 'metadata.json'), 'utf8')).toBe(before);
    expect((await s.stat('a')).kind).toBe('active');
    await expect(s.stat('A')).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('native snapshotter', () => {
  test('children are full copies; mounts are bind mounts', async () => {
    const s = new NativeSnapshotter(root);
    const [base] = await s.prepare('a', '');
    expect(base).toEqual({ type: 'bind', source: path.join(root, 'snapshots/1/fs'), options: ['rw', 'rbind'] });
    fs.mkdirSync(path.join(base.source, 'dir'));
    fs.writeFileSync(path.join(base.source, 'dir/f'), 'base');
    fs.symlinkSync('dir/f', path.join(base.source, 'link'));
    fs.chmodSync(path.join(base.source, 'dir/f'), 0o640);
    await s.commit('A', 'a');
    const [child] = await s.prepare('b', 'A');
    expect(child.source).toBe(path.join(root, 'snapshots/2/fs'));
    expect(fs.readFileSync(path.join(child.source, 'dir/f'), 'utf8')).toBe('base');
    expect(fs.statSync(path.join(child.source, 'dir/f')).mode & 0o777).toBe(0o640);
    expect(fs.readlinkSync(path.join(child.source, 'link'))).toBe('dir/f');
    fs.writeFileSync(path.join(child.source, 'dir/f'), 'changed');
    expect(fs.readFileSync(path.join(base.source, 'dir/f'), 'utf8')).toBe('base');
    const [view] = await s.view('v', 'A');
    expect(view.options).toEqual(['ro', 'rbind']);
    expect(fs.readFileSync(path.join(view.source, 'dir/f'), 'utf8')).toBe('base');
  });
});

describe('long overlay option strings', () => {
  test('are rewritten relative to the common directory', () => {
    const lowers = Array.from({ length: 120 }, (_, i) => `/var/lib/runtsd/io.containerd.snapshotter.v1.overlayfs/snapshots/${i + 1}/fs`);
    const options = ['workdir=/var/lib/runtsd/io.containerd.snapshotter.v1.overlayfs/snapshots/200/work',
      'upperdir=/var/lib/runtsd/io.containerd.snapshotter.v1.overlayfs/snapshots/200/fs', `lowerdir=${lowers.join(':')}`];
    const compact = compactOverlayOptions(options);
    expect(compact.cwd).toBe('/var/lib/runtsd/io.containerd.snapshotter.v1.overlayfs/snapshots');
    expect(compact.options[0]).toBe('workdir=200/work');
    expect(compact.options[2].startsWith('lowerdir=1/fs:2/fs:')).toBe(true);
    expect(compactOverlayOptions(['lowerdir=/a:/b'])).toEqual({ options: ['lowerdir=/a:/b'] });
  });
});

describe('openSnapshotters', () => {
  test('containerd directory names; overlayfs only when the kernel has it; no btrfs off btrfs', async () => {
    const { openSnapshotters, kernelHasOverlay } = await import('../../../src/snapshots/index');
    const all = openSnapshotters(root, { overlaySupported: true });
    expect(Object.keys(all).sort()).toEqual(['native', 'overlayfs']);
    const [m] = await all.overlayfs.prepare('k', '');
    expect(m.source).toBe(path.join(root, 'io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs'));
    expect(fs.existsSync(path.join(root, 'io.containerd.snapshotter.v1.overlayfs/metadata.json'))).toBe(true);
    expect(Object.keys(openSnapshotters(root, { overlaySupported: false }))).toEqual(['native']);
    const fake = path.join(root, 'filesystems');
    fs.writeFileSync(fake, 'nodev\tproc\nnodev\toverlay\n');
    expect(kernelHasOverlay(fake)).toBe(true);
    fs.writeFileSync(fake, 'nodev\tproc\n');
    expect(kernelHasOverlay(fake)).toBe(false);
  });
});
