// Broken image archives fed to the real ctr: each import fails with a clear error and leaves
// nothing behind in runtsd (ctr's lease ends, garbage collection drops the partial content).
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Daemon, startDaemon, tableRows } from './harness';
import { BuiltImage, buildBusyboxOciArchive, tarLayout } from './oci-archive';

let daemon: Daemon;
let image: BuiltImage;
let work: string;

beforeAll(async () => {
  daemon = await startDaemon('bad-import');
  work = path.join(daemon.dir, 'work');
  fs.mkdirSync(work);
  image = buildBusyboxOciArchive(path.join(work, 'good'), 'example.com/bad:1');
});

afterAll(async () => {
  await daemon?.stop();
});

/** A copy of the good layout changed by `edit`, tarred. */
function variant(name: string, edit: (layout: string) => void): string {
  const layout = path.join(work, name);
  fs.cpSync(image.layoutDir, layout, { recursive: true });
  edit(layout);
  const tar = path.join(work, `${name}.tar`);
  tarLayout(layout, tar);
  return tar;
}

const blob = (layout: string, digest: string) => path.join(layout, 'blobs', 'sha256', digest.slice(7));
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function expectEmptyStore(): void {
  expect(tableRows(daemon.ctr('images', 'ls'))).toEqual([]);
  expect(tableRows(daemon.ctr('content', 'ls'))).toEqual([]);
  expect(tableRows(daemon.ctr('leases', 'ls'))).toEqual([]);
  expect(fs.readdirSync(path.join(daemon.root, 'content', 'blobs', 'sha256'))).toEqual([]);
}

function expectImportFails(tar: string, message: RegExp): void {
  const r = daemon.ctrResult('images', 'import', '--no-unpack', tar);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(message);
  expectEmptyStore();
}

test('a truncated tar', () => {
  const tar = path.join(work, 'truncated.tar');
  const full = fs.readFileSync(image.tarPath);
  fs.writeFileSync(tar, full.subarray(0, Math.floor(full.length / 2)));
  expectImportFails(tar, /ctr: .*(EOF|unexpected|not found)/i);
});

test('a blob whose bytes do not match its digest', () => {
  const tar = variant('wrong-digest', (layout) => {
    const p = blob(layout, image.digests.config);
    const data = fs.readFileSync(p);
    data[data.length - 2] ^= 1;
    fs.writeFileSync(p, data);
  });
  // ctr stores the blob under its real digest, so the manifest's config is missing.
  expectImportFails(tar, new RegExp(`config ${image.digests.config} is not in the content store`));
});

test('a manifest referencing a missing blob', () => {
  const tar = variant('missing-blob', (layout) => fs.rmSync(blob(layout, image.digests.layer)));
  expectImportFails(tar, new RegExp(`layer 0 ${image.digests.layer} is not in the content store`));
});

test('a layer of unknown media type', () => {
  const tar = variant('unknown-type', (layout) => {
    const manifestPath = blob(layout, image.digests.manifest);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.layers[0].mediaType = 'application/x-not-a-layer';
    const data = Buffer.from(JSON.stringify(manifest));
    fs.rmSync(manifestPath);
    fs.writeFileSync(blob(layout, sha256(data)), data);
    const indexPath = path.join(layout, 'index.json');
    const index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
    Object.assign(index.manifests[0], { digest: sha256(data), size: data.length });
    fs.writeFileSync(indexPath, JSON.stringify(index));
  });
  expectImportFails(tar, /layers\[0\] has unsupported media type "application\/x-not-a-layer"/);
});

test('an index with a manifest of huge declared size', () => {
  const tar = variant('huge-size', (layout) => {
    const indexPath = path.join(layout, 'index.json');
    const index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
    index.manifests[0].size = 2 ** 50;
    fs.writeFileSync(indexPath, JSON.stringify(index));
  });
  expectImportFails(tar, new RegExp(`target ${image.digests.manifest} declares size ${2 ** 50} but the stored blob has \\d+ bytes`));
});

test('the good archive still imports after all of that', () => {
  daemon.ctr('images', 'import', '--no-unpack', image.tarPath);
  expect(tableRows(daemon.ctr('images', 'ls')).map((r) => r[0])).toEqual(['example.com/bad:1']);
  expect(sha256(daemon.ctrBytes('content', 'get', image.digests.layer)))
    .toBe(image.digests.layer);
});
