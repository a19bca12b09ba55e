// runtsctl, runtsd's own client, against a real runtsd: import (OCI layout and docker-archive,
// with unpack), list, remove; what it leaves is what the stock ctr sees; bad input is one line.
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { createHash } from 'crypto';
import { BuiltImage, buildBusyboxOciArchive, tarLayout } from './oci-archive';

const RUNTSCTL = path.resolve(__dirname, '../../../bin/runtsctl');
const NAME = 'example.com/runtsctl/busybox:1';
let daemon: Daemon;
let image: BuiltImage;

beforeAll(async () => {
  daemon = await startDaemon('runtsctl');
  const work = path.join(daemon.dir, 'image');
  fs.mkdirSync(work);
  image = buildBusyboxOciArchive(work, NAME, 300000);
});

afterAll(async () => {
  await daemon?.stop();
});

function runtsctl(...args: string[]) {
  const r = spawnSync(process.execPath, [RUNTSCTL, '--address', daemon.socket, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = runtsctl(...args);
  if (r.status !== 0) throw new Error(`runtsctl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

test('version names the daemon', () => {
  expect(ok('version')).toMatch(/^Client:\n {2}Version: \S+\nServer:\n {2}Version: \S+/);
});

test('images import writes the blobs, names the image and unpacks it; ctr sees the same', () => {
  const r = runtsctl('images', 'import', image.tarPath);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`${NAME} ${image.digests.manifest}\n`);
  // stderr is not a terminal here: plain lines, no carriage returns.
  expect(r.stderr).not.toContain('\r');
  expect(r.stderr).toContain(`wrote ${image.digests.layer} (`);
  expect(r.stderr).toMatch(/wrote index\.json as sha256:[a-f0-9]{64} \(\d+ bytes\)/);
  expect(r.stderr).toMatch(/importing .*image\.tar: [\d.]+ MB \/ [\d.]+ MB, 100%/);
  expect(r.stderr).toContain(`unpacking ${NAME}`);

  expect(tableRows(ok('images', 'ls'))).toEqual([[NAME, 'application/vnd.oci.image.manifest.v1+json', image.digests.manifest, '-']]);
  expect(tableRows(daemon.ctr('images', 'ls')).map((row) => row[0])).toEqual([NAME]);
  expect(tableRows(daemon.ctr('images', 'check'))[0].join(' ')).toMatch(/complete \(3\/3\).* true$/);

  // Two layers, two committed snapshots with containerd's chain IDs, in ctr's listing too.
  const ours = tableRows(ok('snapshots', 'ls'));
  const theirs = tableRows(daemon.ctr('snapshots', 'ls'));
  expect(ours).toHaveLength(2);
  expect(ours.map((r) => [r[0], r[1] === '-' ? '' : r[1], r[2]]).sort()).toEqual(theirs.map((r) => (r.length === 2 ? [r[0], '', r[1]] : r)).sort());
  expect(ours.find((r) => r[1] === '-')![0]).toBe(image.digests.layer);

  const content = tableRows(ok('content', 'ls'));
  expect(content.map((r) => r[0]).sort()).toEqual(tableRows(daemon.ctr('content', 'ls')).map((r) => r[0]).sort());
  const layerRow = content.find((r) => r[0] === image.digests.layer)!;
  expect(layerRow[2]).toContain(`containerd.io/uncompressed=${image.digests.layer}`);
  expect(content.find((r) => r[0] === image.digests.config)![2]).toContain('containerd.io/gc.ref.snapshot.overlayfs=');
  // The import's lease is gone.
  expect(tableRows(daemon.ctr('leases', 'ls'))).toEqual([]);
});

test('the unpacked image runs through ctr: snapshots prepare on top of it mounts busybox', () => {
  const top = tableRows(ok('snapshots', 'ls')).find((r) => r[1] !== '-')![0];
  const target = path.join(daemon.dir, 'mnt');
  fs.mkdirSync(target);
  daemon.ctr('snapshots', 'prepare', 'ctl-work', top);
  const mounts = daemon.ctr('snapshots', 'mounts', target, 'ctl-work');
  try {
    execFileSync('sh', ['-c', mounts]);
    expect(fs.existsSync(path.join(target, 'bin', 'busybox'))).toBe(true);
    expect(fs.statSync(path.join(target, 'random.bin')).size).toBe(300000);
  } finally {
    spawnSync('umount', [target]);
    daemon.ctr('snapshots', 'rm', 'ctl-work');
  }
});

test('a second import of the same archive finds everything in place', () => {
  const r = runtsctl('images', 'import', image.tarPath);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/layer 1\/2 .*: already unpacked/);
  expect(tableRows(ok('snapshots', 'ls'))).toHaveLength(2);
});

test('a docker-archive (manifest.json, RepoTags) imports under the normalized name', () => {
  const dir = path.join(daemon.dir, 'docker');
  fs.mkdirSync(dir);
  const layer = fs.readFileSync(path.join(image.layoutDir, 'blobs', 'sha256', image.digests.layer.slice(7)));
  const config = fs.readFileSync(path.join(image.layoutDir, 'blobs', 'sha256', image.digests.config.slice(7)));
  fs.mkdirSync(path.join(dir, 'abc'));
  fs.writeFileSync(path.join(dir, 'abc', 'layer.tar'), layer);
  // One layer only: the config must list one diff ID.
  const oneLayer = JSON.parse(config.toString());
  oneLayer.rootfs.diff_ids = [image.digests.layer];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(oneLayer));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['tools:v2'], Layers: ['abc/layer.tar'] }]));
  const tar = path.join(daemon.dir, 'docker.tar');
  execFileSync('tar', ['-C', dir, '-cf', tar, 'manifest.json', 'config.json', 'abc']);
  const out = ok('images', 'import', tar);
  expect(out).toMatch(/^docker\.io\/library\/tools:v2 sha256:[a-f0-9]{64}\n$/);
  const row = tableRows(ok('images', 'ls')).find((r) => r[0] === 'docker.io/library/tools:v2')!;
  expect(row[1]).toBe('application/vnd.docker.distribution.manifest.v2+json');
  expect(tableRows(daemon.ctr('images', 'check')).find((r) => r[0] === 'docker.io/library/tools:v2')!.join(' ')).toMatch(/complete \(2\/2\)/);
});

test('of a multi-platform index, only this host\'s manifest becomes the image', () => {
  const layout = path.join(daemon.dir, 'multi');
  fs.cpSync(image.layoutDir, layout, { recursive: true });
  // The arm64 manifest refers to blobs the archive does not have: it must not even be read.
  const arm = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
    layers: [],
  }));
  const armHex = createHash('sha256').update(arm).digest('hex');
  fs.writeFileSync(path.join(layout, 'blobs', 'sha256', armHex), arm);
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const name = 'example.com/runtsctl/multi:1';
  const annotations = { 'io.containerd.image.name': name };
  const host = index.manifests[0];
  index.manifests = [
    { mediaType: host.mediaType, digest: `sha256:${armHex}`, size: arm.length, platform: { os: 'linux', architecture: process.arch === 'arm64' ? 'amd64' : 'arm64' }, annotations },
    { ...host, platform: { os: 'linux', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64' }, annotations },
  ];
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
  const tar = path.join(daemon.dir, 'multi.tar');
  tarLayout(layout, tar);
  expect(ok('images', 'import', '--no-unpack', tar)).toBe(`${name} ${image.digests.manifest}\n`);
  daemon.ctr('images', 'rm', '--sync', name);
});

test('images rm removes the images; garbage collection takes content and snapshots', () => {
  expect(ok('images', 'rm', '--sync', NAME, 'docker.io/library/tools:v2')).toBe(`${NAME}\ndocker.io/library/tools:v2\n`);
  expect(tableRows(ok('images', 'ls'))).toEqual([]);
  expect(tableRows(ok('content', 'ls'))).toEqual([]);
  expect(tableRows(ok('snapshots', 'ls'))).toEqual([]);
});

test('namespaces ls lists the namespaces in use', () => {
  daemon.ctr('namespaces', 'create', 'ctl-extra', 'team=runts');
  try {
    const rows = tableRows(ok('namespaces', 'ls'));
    expect(rows).toContainEqual(['ctl-extra', 'team=runts']);
    expect(rows.map((r) => r[0])).toContain('default');
  } finally {
    daemon.ctr('namespaces', 'rm', 'ctl-extra');
  }
});

describe('bad input: one clear line on stderr, exit 1, nothing left behind', () => {
  const oneLine = (r: { status: number | null; stderr: string }, pattern: RegExp) => {
    expect(r.status).toBe(1);
    // Progress lines may come first; the failure is the one line naming runtsctl.
    expect(r.stderr.split('\n').filter((l) => l.startsWith('runtsctl:'))).toHaveLength(1);
    expect(r.stderr.trim().split('\n').pop()! + '\n').toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  test('a missing file', () => {
    oneLine(runtsctl('images', 'import', path.join(daemon.dir, 'nope.tar')), /^runtsctl: cannot read image archive .*nope\.tar: ENOENT\n$/);
  });

  test('a truncated tar', () => {
    const whole = fs.readFileSync(image.tarPath);
    const truncated = path.join(daemon.dir, 'truncated.tar');
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2) + 100));
    oneLine(runtsctl('images', 'import', truncated), /^runtsctl: invalid tar archive at byte \d+: .*truncated/);
    expect(tableRows(daemon.ctr('images', 'ls'))).toEqual([]);
    expect(tableRows(daemon.ctr('leases', 'ls'))).toEqual([]);
    expect(tableRows(daemon.ctr('content', 'active'))).toEqual([]);
  });

  test('a file that is not an image archive', () => {
    const junk = path.join(daemon.dir, 'junk.tar');
    execFileSync('tar', ['-C', path.dirname(RUNTSCTL), '-cf', junk, 'runtsctl']);
    oneLine(runtsctl('images', 'import', junk), /^runtsctl: not an image archive: it has neither index\.json .* nor manifest\.json/);
  });

  test('no daemon at the address, an unknown command', () => {
    const r = spawnSync(process.execPath, [RUNTSCTL, '--address', path.join(daemon.dir, 'none.sock'), 'images', 'ls'], { encoding: 'utf8' });
    oneLine(r, /^runtsctl: cannot reach runtsd at .*none\.sock/);
    oneLine(runtsctl('frobnicate'), /^runtsctl: Unknown argument: frobnicate/);
  });
});
