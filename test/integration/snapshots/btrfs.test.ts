// The btrfs snapshotter on a loopback btrfs image made here (mkfs.btrfs), with real mounts.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyLayerToMounts } from '../../../src/diff/apply-mounts';
import { buildTar } from '../../../src/diff/tar/writer';
import { BtrfsSnapshotter } from '../../../src/snapshots/btrfs';
import { openSnapshotters } from '../../../src/snapshots/index';
import { mountAll, unmountAll } from '../../../src/mount';
import { Mount } from '../../../src/snapshots/types';

const haveTools = ['/usr/sbin/mkfs.btrfs', '/usr/bin/btrfs'].every((p) => fs.existsSync(p));
const maybe = process.getuid!() === 0 && haveTools ? describe : describe.skip;

async function* once(data: Buffer) {
  yield data;
}

maybe('btrfs snapshotter on a loopback filesystem', () => {
  let dir: string;
  let fsMount: string;
  let mounted: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-btrfs-'));
    const image = path.join(dir, 'btrfs.img');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 256 << 20);
    execFileSync('mkfs.btrfs', ['-q', image]);
    fsMount = path.join(dir, 'mnt');
    fs.mkdirSync(fsMount);
    execFileSync('mount', ['-o', 'loop', image, fsMount]); // autoclear: umount frees the loop device
    mounted = [];
  });

  afterEach(async () => {
    for (const target of mounted.reverse()) await unmountAll(target).catch(() => undefined);
    try {
      execFileSync('umount', [fsMount]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  async function mountAt(mounts: Mount[], name: string) {
    const target = path.join(dir, name);
    fs.mkdirSync(target);
    await mountAll(mounts, target);
    mounted.push(target);
    return target;
  }

  test('subvolume chain: children share the parent, committed layers are read-only, remove and cleanup delete subvolumes', async () => {
    const s = new BtrfsSnapshotter(path.join(fsMount, 'snapshotter'));
    await applyLayerToMounts(await s.prepare('e1', ''), once(buildTar([
      { name: 'etc/', type: 'directory' }, { name: 'etc/a', type: 'file', data: 'a' }, { name: 'etc/b', type: 'file', data: 'b' },
    ])));
    await s.commit('L1', 'e1');
    await applyLayerToMounts(await s.prepare('e2', 'L1'), once(buildTar([
      { name: 'etc/.wh.b', type: 'file' }, { name: 'etc/c', type: 'file', data: 'c' },
    ])));
    await s.commit('L2', 'e2');

    const l1 = path.join(fsMount, 'snapshotter/snapshots/1/fs');
    expect(fs.lstatSync(l1).ino).toBe(256); // a subvolume
    expect(() => fs.writeFileSync(path.join(l1, 'x'), 'x')).toThrow(/EROFS/);

    const rootfs = await mountAt(await s.prepare('container', 'L2'), 'rootfs');
    expect(fs.readdirSync(path.join(rootfs, 'etc')).sort()).toEqual(['a', 'c']);
    fs.writeFileSync(path.join(rootfs, 'etc/a'), 'changed');
    expect(fs.readFileSync(path.join(fsMount, 'snapshotter/snapshots/2/fs/etc/a'), 'utf8')).toBe('a');
    const view = await mountAt(await s.view('v', 'L1'), 'view');
    expect(fs.readdirSync(path.join(view, 'etc')).sort()).toEqual(['a', 'b']);
    expect(() => fs.writeFileSync(path.join(view, 'x'), 'x')).toThrow(/EROFS/);

    await unmountAll(rootfs);
    await unmountAll(view);
    mounted = [];
    for (const key of ['container', 'v', 'L2', 'L1']) await s.remove(key);
    // debris: a subvolume no record refers to
    fs.mkdirSync(path.join(fsMount, 'snapshotter/snapshots/new-x'));
    execFileSync('btrfs', ['subvolume', 'create', path.join(fsMount, 'snapshotter/snapshots/new-x/fs')]);
    await s.cleanup();
    expect(fs.readdirSync(path.join(fsMount, 'snapshotter/snapshots'))).toEqual([]);
    expect(execFileSync('btrfs', ['subvolume', 'list', fsMount]).toString().trim()).toBe('');
  });

  test('openSnapshotters offers btrfs on a btrfs root', () => {
    expect(Object.keys(openSnapshotters(path.join(fsMount, 'state'), { overlaySupported: false })).sort()).toEqual(['btrfs', 'native']);
  });

  test('refuses a root that is not on btrfs', () => {
    expect(() => new BtrfsSnapshotter(path.join(dir, 'not-btrfs'))).toThrow(/is not on a btrfs filesystem/);
  });
});
