// `ctr images import` into runtsd of an image whose layers are stored plain, gzip and zstd:
// every layer unpacks into its chain-ID snapshot, the layers carry their uncompressed digest,
// and the merged tree holds what the three layers wrote. runtsctl imports the same archive.
import { execFileSync, spawnSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Daemon, startDaemon, tableRows } from './harness';
import { LayeredImage, writeLayeredArchive } from './layered-archive';

const haveZstd = spawnSync('zstd', ['--version']).status === 0;
const maybe = haveZstd ? describe : describe.skip;
const NAME = 'example.com/compressed:1';
const T = 1700000000;
const RUNTSCTL = path.resolve(__dirname, '../../../bin/runtsctl');

maybe('plain, gzip and zstd layers', () => {
  let daemon: Daemon;
  let image: LayeredImage;
  let archive: string;
  const big = randomBytes(3 << 20);
  const mnt = () => path.join(daemon.dir, 'mnt');

  beforeAll(async () => {
    daemon = await startDaemon('compressed');
    archive = path.join(daemon.dir, 'image.tar');
    image = writeLayeredArchive(archive, NAME, [
      { compression: 'none', entries: [
        { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
        { name: 'etc/plain', type: 'file', data: 'from the plain layer\n', mtime: T },
        { name: 'etc/replaced', type: 'file', data: 'old\n', mtime: T },
      ] },
      { compression: 'gzip', entries: [
        { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
        { name: 'etc/gzip', type: 'file', data: 'from the gzip layer\n', mode: 0o600, mtime: T },
        { name: 'etc/.wh.replaced', type: 'file' },
      ] },
      { compression: 'zstd', entries: [
        { name: 'data/', type: 'directory', mode: 0o755, mtime: T },
        { name: 'data/big.bin', type: 'file', data: big, mtime: T },
        { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
        { name: 'etc/replaced', type: 'file', data: 'new from zstd\n', mtime: T },
      ] },
    ]);
  });

  afterAll(async () => {
    spawnSync('umount', [mnt()]);
    await daemon?.stop();
  });

  const chainIds = () => {
    const out: string[] = [];
    for (const d of image.diffIds) out.push(out.length ? `sha256:${createHash('sha256').update(`${out[out.length - 1]} ${d}`).digest('hex')}` : d);
    return out;
  };

  test('ctr images import unpacks all three layers into chain-ID snapshots', () => {
    expect(daemon.ctr('images', 'import', archive)).toContain(`unpacking ${NAME}`);
    expect(tableRows(daemon.ctr('images', 'check'))[0].join(' ')).toMatch(/complete \(4\/4\).* true$/);
    const chain = chainIds();
    const snapshots = tableRows(daemon.ctr('snapshots', 'ls'));
    expect(snapshots.sort()).toEqual([[chain[0], 'Committed'], [chain[1], chain[0], 'Committed'], [chain[2], chain[1], 'Committed']].sort());
    const content = tableRows(daemon.ctr('content', 'ls'));
    image.layerDigests.forEach((digest, i) => {
      expect(content.find((r) => r[0] === digest)!.join(' ')).toContain(`containerd.io/uncompressed=${image.diffIds[i]}`);
    });
  });

  test('the merged tree holds every layer\'s files, whiteouts applied', () => {
    const top = chainIds()[2];
    fs.mkdirSync(mnt());
    daemon.ctr('snapshots', 'view', 'check-view', top);
    execFileSync('sh', ['-c', daemon.ctr('snapshots', 'mounts', mnt(), 'check-view')]);
    try {
      expect(fs.readFileSync(path.join(mnt(), 'etc/plain'), 'utf8')).toBe('from the plain layer\n');
      expect(fs.readFileSync(path.join(mnt(), 'etc/gzip'), 'utf8')).toBe('from the gzip layer\n');
      expect(fs.statSync(path.join(mnt(), 'etc/gzip')).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(path.join(mnt(), 'etc/replaced'), 'utf8')).toBe('new from zstd\n');
      expect(fs.readFileSync(path.join(mnt(), 'data/big.bin')).equals(big)).toBe(true);
    } finally {
      execFileSync('umount', [mnt()]);
      daemon.ctr('snapshots', 'rm', 'check-view');
    }
  });

  test('runtsctl imports the same archive into another namespace, the same snapshots', () => {
    const r = spawnSync(process.execPath, [RUNTSCTL, '-a', daemon.socket, '-n', 'ctl', 'images', 'import', archive], { encoding: 'utf8', timeout: 60000 });
    expect(r.stderr).toMatch(/layer 3\/3 .*: unpacked/);
    expect(r.status).toBe(0);
    const ours = tableRows(daemon.ctr('-n', 'ctl', 'snapshots', 'ls')).sort();
    expect(ours).toEqual(tableRows(daemon.ctr('snapshots', 'ls')).sort());
    expect(tableRows(daemon.ctr('-n', 'ctl', 'images', 'check'))[0].join(' ')).toMatch(/complete \(4\/4\).* true$/);
  });
});
