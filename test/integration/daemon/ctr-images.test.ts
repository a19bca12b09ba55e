// The real ctr client against a real runtsd: import an OCI layout tarball, list, check, label,
// remove, and see content garbage-collected.
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { BuiltImage, buildBusyboxOciArchive } from './oci-archive';

const NAME = 'docker.io/library/busybox:runts-test';
let daemon: Daemon;
let image: BuiltImage;

beforeAll(async () => {
  daemon = await startDaemon('images');
  const work = path.join(daemon.dir, 'image');
  fs.mkdirSync(work);
  image = buildBusyboxOciArchive(work, NAME);
});

afterAll(async () => {
  await daemon?.stop();
});

const blobFile = (digest: string) => path.join(daemon.root, 'content', 'blobs', 'sha256', digest.slice(7));

test('ctr images import --no-unpack stores every blob and names the image', () => {
  daemon.ctr('images', 'import', '--no-unpack', image.tarPath);
  const images = tableRows(daemon.ctr('images', 'ls'));
  expect(images.map((r) => r[0])).toEqual([NAME]);
  // ctr imports the platform's manifest as the image target; the index is only read, so
  // garbage collection drops it once the import's lease ends (as with containerd).
  const row = images[0];
  expect(row).toContain(image.digests.manifest);
  expect(row.join(' ')).toContain('linux/amd64');

  const content = tableRows(daemon.ctr('content', 'ls')).map((r) => r[0]).sort();
  expect(content).toEqual([image.digests.manifest, image.digests.config, image.digests.layer].sort());
  for (const digest of content) expect(fs.existsSync(blobFile(digest))).toBe(true);
  // The import's lease is gone once it finished.
  expect(tableRows(daemon.ctr('leases', 'ls'))).toEqual([]);
  expect(fs.readdirSync(path.join(daemon.root, 'content', 'ingest'))).toEqual([]);
});

test('blobs read back byte-identical', () => {
  const layer = daemon.ctrBytes('content', 'get', image.digests.layer);
  expect(layer.equals(fs.readFileSync(path.join(daemon.dir, 'image', 'layer.tar')))).toBe(true);
  const config = daemon.ctr('content', 'get', image.digests.config);
  expect(JSON.parse(config).rootfs.diff_ids).toEqual([image.digests.layer]);
});

test('content labels reference the manifest, config and layer for GC', () => {
  const rows = tableRows(daemon.ctr('content', 'ls'));
  const labelsOf = (digest: string) => rows.find((r) => r[0] === digest)!.slice(3).join(' ');
  expect(labelsOf(image.digests.manifest)).toContain(image.digests.config);
  expect(labelsOf(image.digests.manifest)).toContain(image.digests.layer);
});

test('ctr images label adds a label visible in images ls', () => {
  daemon.ctr('images', 'label', NAME, 'runts.test=yes');
  expect(daemon.ctr('images', 'ls')).toContain('runts.test=yes');
  expect(tableRows(daemon.ctr('images', 'ls', 'labels."runts.test"==yes')).length).toBe(1);
  expect(tableRows(daemon.ctr('images', 'ls', 'labels."runts.test"==no')).length).toBe(0);
});

test('content ls filters by digest and label', () => {
  expect(tableRows(daemon.ctr('content', 'ls', `digest==${image.digests.config}`)).map((r) => r[0]))
    .toEqual([image.digests.config]);
  const referencing = tableRows(daemon.ctr('content', 'ls', 'labels."containerd.io/gc.ref.content.config"'));
  expect(referencing.map((r) => r[0])).toEqual([image.digests.manifest]);
});

test('a second import of the same image succeeds and changes nothing', () => {
  daemon.ctr('images', 'import', '--no-unpack', image.tarPath);
  expect(tableRows(daemon.ctr('images', 'ls')).length).toBe(1);
  expect(tableRows(daemon.ctr('content', 'ls')).length).toBe(3);
});

test('a non-empty namespace cannot be removed', () => {
  const r = daemon.ctrResult('namespaces', 'rm', 'default');
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/must be empty/);
});

test('content shared by a tag survives removing the original name', () => {
  const tag = 'example.com/busybox:tagged';
  daemon.ctr('images', 'tag', NAME, tag);
  const dup = daemon.ctrResult('images', 'tag', NAME, tag);
  expect(dup.stderr).toContain('already exists');
  daemon.ctr('images', 'rm', '--sync', tag);
  daemon.ctr('images', 'tag', NAME, tag);
  daemon.ctr('images', 'rm', '--sync', NAME);
  expect(tableRows(daemon.ctr('content', 'ls')).length).toBe(3);
  daemon.ctr('images', 'tag', tag, NAME);
  daemon.ctr('images', 'rm', '--sync', tag);
});

test('ctr images rm collects the image content', () => {
  daemon.ctr('images', 'rm', '--sync', NAME);
  expect(tableRows(daemon.ctr('images', 'ls'))).toEqual([]);
  expect(tableRows(daemon.ctr('content', 'ls'))).toEqual([]);
  for (const digest of [image.digests.manifest, image.digests.config, image.digests.layer]) expect(fs.existsSync(blobFile(digest))).toBe(false);
  daemon.ctr('namespaces', 'rm', 'default');
  expect(tableRows(daemon.ctr('namespaces', 'ls'))).toEqual([]);
});

test('concurrent imports of the same image all succeed (each lease takes the shared content)', async () => {
  const runs = Array.from({ length: 5 }, () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('ctr', ['-a', daemon.socket, '-n', 'parallel', 'images', 'import', '--no-unpack', image.tarPath]);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('exit', (code) => resolve({ code, stderr }));
  }));
  const results = await Promise.all(runs);
  expect(results).toEqual(results.map(() => ({ code: 0, stderr: '' })));
  expect(tableRows(daemon.ctr('-n', 'parallel', 'images', 'ls')).map((r) => r[0])).toEqual([NAME]);
  expect(tableRows(daemon.ctr('-n', 'parallel', 'content', 'ls')).map((r) => r[0]).sort())
    .toEqual([image.digests.manifest, image.digests.config, image.digests.layer].sort());
  expect(tableRows(daemon.ctr('-n', 'parallel', 'leases', 'ls'))).toEqual([]);
  expect(fs.readdirSync(path.join(daemon.root, 'content', 'ingest'))).toEqual([]);
});
