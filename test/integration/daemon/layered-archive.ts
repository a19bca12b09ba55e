// OCI layout tarballs with several layers, each stored plain, gzip or zstd, built from tar
// entries described in the test (owners, modes, xattrs, devices...), for `ctr images import`.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { buildTar, WriteEntry } from '../../../src/diff/tar/writer';

export type LayerEntry = WriteEntry & { data?: Buffer | string };
export type LayerCompression = 'none' | 'gzip' | 'zstd';

export interface LayeredImage {
  name: string;
  /** uncompressed digests, in layer order */
  diffIds: string[];
  /** blob digests, in layer order */
  layerDigests: string[];
  manifestDigest: string;
  configDigest: string;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const MEDIA_TYPES: Record<LayerCompression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

function compress(tar: Buffer, compression: LayerCompression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(tar);
  if (compression === 'zstd') {
    const r = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
    return r.stdout;
  }
  return tar;
}

export const hostArchitecture = () => (process.arch === 'arm64' ? 'arm64' : 'amd64');

/** Writes the image archive to tarPath. */
export function writeLayeredArchive(tarPath: string, name: string, layers: { entries: LayerEntry[]; compression: LayerCompression }[]): LayeredImage {
  const blobs: LayerEntry[] = [];
  const put = (data: Buffer) => {
    const digest = sha256(data);
    if (!blobs.some((b) => b.name.endsWith(digest.slice(7)))) blobs.push({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', data });
    return { digest, size: data.length };
  };
  const tars = layers.map((l) => buildTar(l.entries));
  const layerDescs = layers.map((l, i) => ({ mediaType: MEDIA_TYPES[l.compression], ...put(compress(tars[i], l.compression)) }));
  const diffIds = tars.map(sha256);
  const config = put(Buffer.from(JSON.stringify({ architecture: hostArchitecture(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layerDescs,
  })));
  const index = {
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest,
      platform: { architecture: hostArchitecture(), os: 'linux' },
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'latest' },
    }],
  };
  fs.writeFileSync(tarPath, buildTar([
    { name: 'oci-layout', type: 'file', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', type: 'file', data: JSON.stringify(index) },
    { name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' },
    ...blobs,
  ]));
  return { name, diffIds, layerDigests: layerDescs.map((l) => l.digest), manifestDigest: manifest.digest, configDigest: config.digest };
}
