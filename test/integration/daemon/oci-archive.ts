// Builds a real OCI image layout tarball for `ctr images import`: one layer holding a busybox
// rootfs (from /bin/busybox), its config, a linux/amd64 manifest and an index naming the image.
import * as fs from 'fs';
import * as path from 'path';
import { createHash, randomBytes } from 'crypto';
import { execFileSync } from 'child_process';

export interface BuiltImage {
  tarPath: string;
  layoutDir: string;
  name: string;
  digests: { index: string; manifest: string; config: string; layer: string };
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** extraLayerBytes > 0 adds a second layer holding one file of that many random bytes. */
export function buildBusyboxOciArchive(workDir: string, name: string, extraLayerBytes = 0): BuiltImage {
  const rootfs = path.join(workDir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'sh'));
  const layerTar = path.join(workDir, 'layer.tar');
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0',
    '-C', rootfs, '-cf', layerTar, 'bin']);
  const layer = fs.readFileSync(layerTar);

  const layout = path.join(workDir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), data);
    return digest;
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  const layerDigest = putBlob(layer);
  const extraLayers: { digest: string; size: number }[] = [];
  if (extraLayerBytes > 0) {
    const extraRoot = path.join(workDir, 'extra');
    fs.mkdirSync(extraRoot);
    fs.writeFileSync(path.join(extraRoot, 'random.bin'), randomBytes(extraLayerBytes));
    const extraTar = path.join(workDir, 'extra.tar');
    execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', extraRoot, '-cf', extraTar, 'random.bin']);
    const extra = fs.readFileSync(extraTar);
    extraLayers.push({ digest: putBlob(extra), size: extra.length });
  }
  const config = json({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [layerDigest, ...extraLayers.map((l) => l.digest)] },
    history: [{ created_by: 'runts test' }],
  });
  const configDigest = putBlob(config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ digest: layerDigest, size: layer.length }, ...extraLayers]
      .map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
  });
  const manifestDigest = putBlob(manifest);
  const index = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'latest' },
    }],
  });
  fs.writeFileSync(path.join(layout, 'index.json'), index);
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const tarPath = path.join(workDir, 'image.tar');
  tarLayout(layout, tarPath);
  return {
    tarPath,
    layoutDir: layout,
    name,
    digests: { index: sha256(index), manifest: manifestDigest, config: configDigest, layer: layerDigest },
  };
}

/** Tars an OCI layout directory the way `ctr images export` lays it out. */
export function tarLayout(layoutDir: string, tarPath: string): void {
  execFileSync('tar', ['-C', layoutDir, '-cf', tarPath, 'oci-layout', 'index.json', 'blobs']);
}
