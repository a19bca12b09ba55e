// The stock ctr imports the same 3-layer image into runtsd and into a private containerd;
// `ctr snapshots prepare` on the top layer, and the returned mounts mounted: both trees must be
// identical (names, types, contents, modes, owners, link targets, hard link groups, device
// numbers, xattrs, mtimes). Writes into runtsd's prepared snapshot leave the layers unchanged.
// (test/integration/diff/containerd-equivalence.test.ts compares at the library level; this one
// goes ctr -> runtsd's gRPC services.)
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { unmountUnder } from '../../helpers/mounts';
import { describeTree } from '../../helpers/tree';
import { Daemon, startDaemon } from '../daemon/harness';
import { LayerEntry, LayeredImage, writeLayeredArchive } from '../daemon/layered-archive';
import { PrivateContainerd, missingPrerequisite } from '../shim/private-containerd';

const missing = missingPrerequisite() ?? (spawnSync('getfattr', ['--version']).status === 0 ? undefined : 'needs getfattr');
const maybe = missing ? describe.skip : describe;
const NAME = 'example.com/equivalence:3';
const T = 1700000000;
const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex');

// Every parent directory is listed in each layer that writes below it, so no directory gets an
// mtime of "now" from either unpacker.
const LAYERS: LayerEntry[][] = [
  [
    { name: 'bin/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'bin/tool', type: 'file', data: '#!/bin/sh\necho tool\n', mode: 0o4755, mtime: T, xattrs: { 'security.capability': CAP } },
    { name: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
    { name: 'bin/sh', type: 'symlink', linkname: 'tool', mtime: T },
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'etc/passwd', type: 'file', data: 'root:x:0:0\n', mode: 0o644, mtime: T + 1 },
    { name: 'etc/shadow', type: 'file', data: 'secret\n', mode: 0o640, uid: 0, gid: 42, mtime: T + 2 },
    { name: 'etc/gone', type: 'file', data: 'deleted by layer 2\n', mtime: T },
    { name: 'etc/tagged', type: 'file', data: 'v1\n', mtime: T, xattrs: { 'user.origin': 'layer1' } },
    { name: 'var/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/lib/', type: 'directory', mode: 0o700, uid: 100, gid: 101, mtime: T + 3 },
    { name: 'var/lib/state', type: 'file', data: 'old state\n', mtime: T },
    { name: 'var/lib/sub/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/lib/sub/deep', type: 'file', data: 'deep\n', mtime: T },
    { name: 'run/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'run/fifo', type: 'fifo', mode: 0o600, uid: 7, gid: 8, mtime: T },
    { name: 'dev/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666, mtime: T },
    { name: 'replace-me', type: 'file', data: 'a file first\n', mtime: T },
  ],
  [
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T + 10 },
    { name: 'etc/.wh.gone', type: 'file' },
    { name: 'etc/passwd', type: 'file', data: 'root:x:0:0\nuser:x:1000:1000\n', mode: 0o644, mtime: T + 11 },
    { name: 'var/', type: 'directory', mode: 0o755, mtime: T + 10 },
    { name: 'var/lib/', type: 'directory', mode: 0o750, uid: 100, gid: 101, mtime: T + 12 },
    { name: 'var/lib/.wh..wh..opq', type: 'file' },
    { name: 'var/lib/fresh', type: 'file', data: 'fresh\n', uid: 100, gid: 101, mtime: T + 12 },
    { name: '.wh.replace-me', type: 'file' },
    { name: 'replace-me/', type: 'directory', mode: 0o711, mtime: T + 14 },
    { name: 'replace-me/inside', type: 'file', data: 'now a directory\n', mtime: T + 14 },
    { name: 'home/', type: 'directory', mode: 0o755, mtime: T + 15 },
    { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime: T + 15 },
    { name: 'home/user/.profile', type: 'file', data: 'PS1=$\n', mode: 0o600, uid: 1000, gid: 1000, mtime: T + 15 },
  ],
  [
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T + 20 },
    { name: 'etc/tagged', type: 'file', data: 'v3\n', mtime: T + 20, xattrs: { 'user.origin': 'layer3', 'user.more': 'x' } },
    { name: 'bin/', type: 'directory', mode: 0o755, mtime: T + 20 },
    { name: 'bin/.wh.alias', type: 'file' },
    { name: 'bin/hard2', type: 'file', data: 'pair\n', mode: 0o755, mtime: T + 21 },
    { name: 'bin/hard2-link', type: 'hardlink', linkname: 'bin/hard2' },
    { name: 'home/', type: 'directory', mode: 0o755, mtime: T + 15 },
    { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime: T + 22 },
    { name: 'home/user/link', type: 'symlink', linkname: '../../etc/passwd', uid: 1000, gid: 1000, mtime: T + 22 },
    { name: 'home/user/.profile', type: 'file', data: 'PS1=#\n', mode: 0o640, uid: 1000, gid: 1000, mtime: T + 22 },
  ],
];

type Ctr = (...args: string[]) => string;

/** ctr snapshots prepare (or view) KEY TOP, then runs the mount command ctr prints for it. */
function mountSnapshot(ctr: Ctr, kind: 'prepare' | 'view', key: string, top: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  ctr('snapshots', kind, key, top);
  execFileSync('sh', ['-c', ctr('snapshots', 'mounts', target, key)]);
}

maybe('ctr import + snapshots prepare: runtsd and containerd give the same tree', () => {
  let daemon: Daemon | undefined;
  let containerd: PrivateContainerd | undefined;
  let image: LayeredImage;
  let top: string;
  let runtsdCtr: Ctr;
  let containerdCtr: Ctr;

  beforeAll(async () => {
    daemon = await startDaemon('equivalence');
    containerd = new PrivateContainerd('');
    await containerd.start();
    const archive = path.join(daemon.dir, 'image.tar');
    image = writeLayeredArchive(archive, NAME, LAYERS.map((entries, i) => ({ entries, compression: i === 1 ? 'zstd' : 'gzip' })));
    runtsdCtr = daemon.ctr;
    containerdCtr = (...args: string[]) => {
      const r = containerd!.ctr(args);
      if (r.status !== 0) throw new Error(`ctr ${args.join(' ')} (containerd) failed: ${r.stderr}`);
      return r.stdout;
    };
    for (const ctr of [runtsdCtr, containerdCtr]) ctr('images', 'import', '--snapshotter', 'overlayfs', archive);
    const rows = runtsdCtr('snapshots', 'ls').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    top = rows.find((r) => !rows.some((other) => other[1] === r[0]))![0];
  }, 60000);

  afterAll(async () => {
    if (daemon) unmountUnder(daemon.dir);
    await daemon?.stop();
    await containerd?.stop();
  });

  test('both unpack to the same chain IDs', () => {
    const names = (ctr: Ctr) => ctr('snapshots', 'ls').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).sort();
    expect(names(runtsdCtr)).toHaveLength(3);
    expect(names(runtsdCtr)).toEqual(names(containerdCtr));
  });

  test('prepared snapshots mount to identical trees', async () => {
    const ours = path.join(daemon!.dir, 'ours');
    const theirs = path.join(containerd!.dir, 'theirs');
    mountSnapshot(runtsdCtr, 'prepare', 'equiv', top, ours);
    mountSnapshot(containerdCtr, 'prepare', 'equiv', top, theirs);
    const expected = await describeTree(theirs);
    expect(expected.length).toBeGreaterThan(20);
    // Spot checks that the trees are the interesting ones, not just equal.
    expect(expected.join('\n')).toMatch(/^etc\/tagged .*data="v3\\n".*xattrs=user\.more=78,user\.origin=6c6179657233$/m);
    expect(expected.some((l) => l.startsWith('etc/gone'))).toBe(false);
    expect(expected.some((l) => l.startsWith('var/lib/state'))).toBe(false);
    expect(expected.join('\n')).toMatch(/^bin\/hard2-link .*group=bin\/hard2$/m);
    expect(await describeTree(ours)).toEqual(expected);
  });

  test('writes into the prepared snapshot never change the layers below', async () => {
    const ours = path.join(daemon!.dir, 'ours');
    const before = path.join(daemon!.dir, 'before');
    mountSnapshot(runtsdCtr, 'view', 'before', top, before);
    const layersBefore = await describeTree(before);
    execFileSync('umount', [before]);

    fs.writeFileSync(path.join(ours, 'etc/passwd'), 'changed\n');
    fs.appendFileSync(path.join(ours, 'bin/hard2'), 'more\n');
    fs.rmSync(path.join(ours, 'etc/shadow'));
    fs.rmSync(path.join(ours, 'var/lib'), { recursive: true });
    fs.chmodSync(path.join(ours, 'bin/tool'), 0o700);
    fs.chownSync(path.join(ours, 'home/user/.profile'), 0, 0);
    execFileSync('setfattr', ['-n', 'user.origin', '-v', 'container', path.join(ours, 'etc/tagged')]);
    fs.writeFileSync(path.join(ours, 'new-file'), 'new\n');
    expect(fs.readFileSync(path.join(ours, 'etc/passwd'), 'utf8')).toBe('changed\n');

    const after = path.join(daemon!.dir, 'after');
    mountSnapshot(runtsdCtr, 'view', 'after', top, after);
    try {
      expect(await describeTree(after)).toEqual(layersBefore);
    } finally {
      execFileSync('umount', [after]);
      runtsdCtr('snapshots', 'rm', 'after');
      runtsdCtr('snapshots', 'rm', 'before');
    }
  });
});
