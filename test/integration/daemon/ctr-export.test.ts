// ctr images export from runtsd, re-import into a fresh namespace: the blobs round-trip
// byte-identical. Also docker-archive (`docker save` layout) and multi-platform OCI imports.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import { Daemon, startDaemon, tableRows } from './harness';
import { BuiltImage, buildBusyboxOciArchive, tarLayout } from './oci-archive';

let daemon: Daemon;
let image: BuiltImage;
let work: string;
const NAME = 'example.com/roundtrip:1';

beforeAll(async () => {
  daemon = await startDaemon('export');
  work = path.join(daemon.dir, 'work');
  fs.mkdirSync(work);
  image = buildBusyboxOciArchive(path.join(work, 'src'), NAME);
});

afterAll(async () => {
  await daemon?.stop();
});

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const imageDigests = () => [image.digests.manifest, image.digests.config, image.digests.layer];

function contentOf(ns: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [digest] of tableRows(daemon.ctr('-n', ns, 'content', 'ls'))) {
    out.set(digest, daemon.ctrBytes('-n', ns, 'content', 'get', digest));
  }
  return out;
}

test('export then re-import round-trips byte-identical blobs', () => {
  daemon.ctr('-n', 'first', 'images', 'import', '--no-unpack', image.tarPath);
  const exported = path.join(work, 'exported.tar');
  daemon.ctr('-n', 'first', 'images', 'export', exported, NAME);
  const listing = execFileSync('tar', ['-tf', exported], { encoding: 'utf8' }).split('\n');
  for (const d of imageDigests()) expect(listing).toContain(`blobs/sha256/${d.slice(7)}`);

  daemon.ctr('-n', 'second', 'images', 'import', '--no-unpack', exported);
  expect(tableRows(daemon.ctr('-n', 'second', 'images', 'ls')).map((r) => [r[0], r[2]])).toEqual([[NAME, image.digests.manifest]]);
  const first = contentOf('first');
  const second = contentOf('second');
  expect([...second.keys()].sort()).toEqual(imageDigests().sort());
  for (const [digest, data] of second) {
    expect(sha256(data)).toBe(digest);
    expect(data.equals(first.get(digest)!)).toBe(true);
  }
});

test('a docker-archive (docker save layout) imports as a Docker v2 manifest', () => {
  const dir = path.join(work, 'docker');
  fs.mkdirSync(dir);
  const layer = fs.readFileSync(path.join(work, 'src', 'layer.tar'));
  const config = fs.readFileSync(path.join(image.layoutDir, 'blobs', 'sha256', image.digests.config.slice(7)));
  fs.mkdirSync(path.join(dir, 'layer1'));
  fs.writeFileSync(path.join(dir, 'layer1', 'layer.tar'), layer);
  fs.writeFileSync(path.join(dir, 'config.json'), config);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([
    { Config: 'config.json', RepoTags: ['example.com/docker:1'], Layers: ['layer1/layer.tar'] },
  ]));
  const tar = path.join(work, 'docker.tar');
  execFileSync('tar', ['-C', dir, '-cf', tar, 'manifest.json', 'config.json', 'layer1']);
  daemon.ctr('-n', 'docker', 'images', 'import', '--no-unpack', tar);
  const rows = tableRows(daemon.ctr('-n', 'docker', 'images', 'ls'));
  expect(rows.map((r) => [r[0], r[1]])).toEqual([['example.com/docker:1', 'application/vnd.docker.distribution.manifest.v2+json']]);
  const stored = contentOf('docker');
  expect(stored.get(sha256(layer))!.equals(layer)).toBe(true);
  expect(stored.get(sha256(config))!.equals(config)).toBe(true);
});

test('a multi-platform index imports only the linux/amd64 manifest by default', () => {
  const layout = path.join(work, 'multi');
  fs.cpSync(image.layoutDir, layout, { recursive: true });
  const put = (data: Buffer) => {
    fs.writeFileSync(path.join(layout, 'blobs', 'sha256', sha256(data).slice(7)), data);
    return { digest: sha256(data), size: data.length };
  };
  const armLayer = put(Buffer.from('not really an arm64 layer'));
  const armConfig = put(Buffer.from(JSON.stringify({ os: 'linux', architecture: 'arm64', rootfs: { type: 'layers', diff_ids: [armLayer.digest] } })));
  const armManifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...armConfig },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...armLayer }],
  })));
  const manifestData = fs.readFileSync(path.join(layout, 'blobs', 'sha256', image.digests.manifest.slice(7)));
  const nested = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...armManifest, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digests.manifest, size: manifestData.length, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  })));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...nested, annotations: { 'io.containerd.image.name': 'example.com/multi:1' } }],
  }));
  const tar = path.join(work, 'multi.tar');
  tarLayout(layout, tar);
  daemon.ctr('-n', 'multi', 'images', 'import', '--no-unpack', tar);
  const rows = tableRows(daemon.ctr('-n', 'multi', 'images', 'ls'));
  expect(rows.map((r) => [r[0], r[2]])).toEqual([['example.com/multi:1', nested.digest]]);
  const stored = [...contentOf('multi').keys()].sort();
  expect(stored).toEqual([nested.digest, ...imageDigests()].sort());
  expect(stored).not.toContain(armLayer.digest);
});
