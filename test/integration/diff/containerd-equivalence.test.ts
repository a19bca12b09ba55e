// The same 3-layer image unpacked by a private containerd (ctr images import + mount) and by our
// overlay snapshotter + applier: the merged trees must be identical (types, modes, owners,
// contents, link targets, device numbers, hard link groups, mtimes, xattrs) and so must the
// diff IDs.
import { ChildProcess, execFile, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { applyLayerToMounts } from '../../../src/diff/apply-mounts';
import { describeTree } from '../../helpers/tree';
import { buildTar, WriteEntry } from '../../../src/diff/tar/writer';
import { mountAll, unmountAll } from '../../../src/mount';
import { OverlaySnapshotter } from '../../../src/snapshots/overlay';

const haveContainerd = ['/usr/bin/containerd', '/usr/bin/ctr'].every((p) => fs.existsSync(p));
const maybe = process.getuid!() === 0 && haveContainerd ? describe : describe.skip;

type Entry = WriteEntry & { data?: string };
const T = 1700000000;
const LAYERS: Entry[][] = [
  [
    { name: 'bin/', type: 'directory', mtime: T },
    { name: 'bin/tool', type: 'file', data: '#!/bin/sh\n', mode: 0o4755, uid: 0, gid: 0, mtime: T, xattrs: { 'security.capability': Buffer.from('0100000200200000000000000000000000000000', 'hex') } },
    { name: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
    { name: 'etc/passwd', type: 'file', data: 'root:x:0:0\n', mode: 0o644, mtime: T + 1 },
    { name: 'etc/shadow', type: 'file', data: 'secret', mode: 0o640, uid: 0, gid: 42, mtime: T + 2 },
    { name: 'etc/gone', type: 'file', data: 'gone', mtime: T },
    { name: 'etc/tagged', type: 'file', data: 't', mtime: T, xattrs: { 'user.origin': 'layer1' } },
    { name: 'var/', type: 'directory', mtime: T },
    { name: 'var/lib/', type: 'directory', mode: 0o700, uid: 100, gid: 101, mtime: T + 3 },
    { name: 'var/lib/state', type: 'file', data: 'old state', mtime: T },
    { name: 'var/lib/sub/', type: 'directory', mtime: T },
    { name: 'var/lib/sub/deep', type: 'file', data: 'deep', mtime: T },
    { name: 'var/lib/sym', type: 'symlink', linkname: '/etc', mtime: T },
    { name: 'dev/', type: 'directory', mtime: T },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666, mtime: T },
    { name: 'dev/loop0', type: 'block', devmajor: 7, devminor: 0, mode: 0o660, gid: 6, mtime: T },
    { name: 'run/', type: 'directory', mtime: T },
    { name: 'run/fifo', type: 'fifo', mode: 0o600, mtime: T },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib', mtime: T },
    { name: 'usr/', type: 'directory', mtime: T },
    { name: 'usr/lib/', type: 'directory', mtime: T },
    { name: 'usr/lib/libc.so', type: 'file', data: 'libc', mtime: T },
    { name: 'replace-me', type: 'file', data: 'file', mtime: T },
  ],
  [
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T + 10 },
    { name: 'etc/.wh.gone', type: 'file' },
    { name: 'etc/passwd', type: 'file', data: 'root:x:0:0\nuser:x:1000:1000\n', mode: 0o644, mtime: T + 11 },
    { name: 'var/lib/', type: 'directory', mode: 0o750, uid: 100, gid: 101, mtime: T + 12 },
    { name: 'var/lib/.wh..wh..opq', type: 'file' },
    { name: 'var/lib/fresh', type: 'file', data: 'fresh', mtime: T + 12 },
    // the lower symlink is hidden by the opaque directory: this creates a real directory
    { name: 'var/lib/sym/inner', type: 'file', data: 'inner', mtime: T + 12 },
    // through a symlink that exists only in a lower layer (lib -> usr/lib)
    { name: 'lib/viasymlink.so', type: 'file', data: 'via', mtime: T + 13 },
    { name: 'usr/lib/extra.so', type: 'file', data: 'extra', mtime: T + 13 }, // parents not listed
    { name: '.wh.replace-me', type: 'file' },
    { name: 'replace-me/', type: 'directory', mode: 0o711, mtime: T + 14 },
    { name: 'replace-me/inside', type: 'file', data: 'inside', mtime: T + 14 },
  ],
  [
    { name: 'etc/', type: 'directory', mode: 0o755, mtime: T + 20 },
    { name: 'etc/tagged', type: 'file', data: 't2', mtime: T + 20, xattrs: { 'user.origin': 'layer3', 'user.more': 'x' } },
    { name: 'bin/', type: 'directory', mtime: T + 20 },
    { name: 'bin/.wh.alias', type: 'file' },
    { name: 'home/', type: 'directory', mode: 0o755, mtime: T + 21 },
    { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime: T + 21 },
    { name: 'home/user/.profile', type: 'file', data: 'PS1=$\n', uid: 1000, gid: 1000, mtime: T + 21 },
    { name: 'home/user/link', type: 'symlink', linkname: '../../etc/passwd', uid: 1000, gid: 1000, mtime: T + 22 },
  ],
];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An OCI image layout as a tar, the format `ctr images import` reads. */
function ociArchive(layers: Buffer[], diffIds: string[]): Buffer {
  const blobs: Array<[string, Buffer]> = [];
  const add = (data: Buffer) => {
    blobs.push([sha(data), data]);
    return { digest: `sha256:${sha(data)}`, size: data.length };
  };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...add(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...add(l) })),
  }));
  const index = {
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json', ...add(manifest),
      platform: { architecture: os.arch() === 'arm64' ? 'arm64' : 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': 'docker.io/library/runts-equiv:latest', 'org.opencontainers.image.ref.name': 'latest' },
    }],
  };
  if (os.arch() === 'arm64') (JSON.parse(config.toString()) as any).architecture = 'arm64';
  return buildTar([
    { name: 'oci-layout', type: 'file', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', type: 'file', data: JSON.stringify(index) },
    { name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' },
    ...blobs.map(([digest, data]) => ({ name: `blobs/sha256/${digest}`, type: 'file' as const, data: data as unknown as string })),
  ]);
}

// Directories a layer writes into without listing them are created in the upper dir with the
// owner and mode they have in the lower layer, by containerd (mkparent) and by us; containerd
// leaves their mtime at "now", we copy the lower one (deterministic), so only their mtime is not
// compared. `lib` shows containerd's rule that a symlink in a lower layer is not followed when
// unpacking into the upper dir: a real directory shadows it.
const IMPLIED_PARENTS = new Set(['usr', 'usr/lib', 'var', 'var/lib/sym', 'lib']);

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60000 }, (error, stdout, stderr) => (error ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)));
  });
}

maybe('unpack equivalence with containerd', () => {
  let dir: string;
  let containerd: ChildProcess | undefined;
  const mounted: string[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-equiv-'));
  });
  afterEach(async () => {
    for (const target of mounted.splice(0).reverse()) await unmountAll(target).catch(() => undefined);
    if (containerd && containerd.exitCode === null) {
      const exited = new Promise((r) => containerd!.once('exit', r));
      containerd.kill('SIGTERM');
      const timer = setTimeout(() => containerd?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    containerd = undefined;
    // containerd's own snapshot mounts would be below dir: make sure none is left before removing it
    const left = (await run('findmnt', ['-rn', '-o', 'TARGET'])).split('\n').filter((t) => t.startsWith(dir));
    for (const target of left.reverse()) await run('umount', [target]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('3 layers with whiteouts, an opaque dir, devices, hard links, xattrs and owners', async () => {
    const tars = LAYERS.map((entries) => buildTar(entries));
    const diffIds = tars.map((t) => `sha256:${sha(t)}`);
    const gz = tars.map((t) => zlib.gzipSync(t));
    const archive = path.join(dir, 'image.tar');
    fs.writeFileSync(archive, ociArchive(gz, diffIds));

    // containerd's unpack
    const socket = path.join(dir, 'containerd.sock');
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[debug]',
      `  address = "${socket}.debug"`,
      '[metrics]',
      '  address = ""',
    ].join('\n'));
    let log = '';
    containerd = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    containerd.stderr!.on('data', (d) => (log += d));
    for (let i = 0; i < 200 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    if (!fs.existsSync(socket)) throw new Error(`private containerd did not start: ${log.slice(-2000)}`);
    const ctr = (...args: string[]) => run('ctr', ['--address', socket, '--namespace', 'equiv', ...args]);
    await ctr('images', 'import', '--snapshotter', 'overlayfs', archive);
    const theirs = path.join(dir, 'theirs');
    fs.mkdirSync(theirs);
    await ctr('images', 'mount', '--snapshotter', 'overlayfs', 'docker.io/library/runts-equiv:latest', theirs);
    mounted.push(theirs);

    // ours
    const s = new OverlaySnapshotter(path.join(dir, 'ours-overlayfs'));
    let parent = '';
    for (let i = 0; i < gz.length; i++) {
      const key = `extract-${i}`;
      async function* blob() { yield gz[i]; }
      const result = await applyLayerToMounts(await s.prepare(key, parent), blob(), { expectedDiffId: diffIds[i] });
      expect(result.diffId).toBe(diffIds[i]);
      await s.commit(`layer-${i}`, key);
      parent = `layer-${i}`;
    }
    const ours = path.join(dir, 'ours');
    fs.mkdirSync(ours);
    await mountAll(await s.view('view', parent), ours);
    mounted.push(ours);

    const expected = await describeTree(theirs, IMPLIED_PARENTS);
    expect(expected.length).toBeGreaterThan(20);
    expect(await describeTree(ours, IMPLIED_PARENTS)).toEqual(expected);
  });
});
