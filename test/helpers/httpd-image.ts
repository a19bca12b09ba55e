// A small web-server image built here from the host's static busybox: `busybox httpd` serving
// /www (index.html names the image) as its Cmd, with the applets the network tests use linked.
// Written as an OCI layout tarball for `runtsctl images import`.
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const APPLETS = ['sh', 'httpd', 'wget', 'ip', 'cat', 'hostname', 'sleep', 'true', 'false', 'echo', 'ls', 'ping', 'nc'];
export const INDEX_HTML = 'hello from runts httpd\n';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface HttpdImageOptions {
  /** Files written under /etc (name -> content), e.g. passwd and group for named users. */
  etc?: Record<string, string>;
  /** The image config's User. */
  user?: string;
}

export function buildHttpdImage(workDir: string, name: string, options: HttpdImageOptions = {}): string {
  const rootfs = path.join(workDir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'www'));
  fs.mkdirSync(path.join(rootfs, 'etc'));
  fs.mkdirSync(path.join(rootfs, 'tmp'));
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  fs.writeFileSync(path.join(rootfs, 'www', 'index.html'), INDEX_HTML);
  for (const [file, content] of Object.entries(options.etc ?? {})) fs.writeFileSync(path.join(rootfs, 'etc', file), content);
  const layerTar = path.join(workDir, 'layer.tar');
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', rootfs, '-cf', layerTar, 'bin', 'www', 'etc', 'tmp']);
  const layer = fs.readFileSync(layerTar);
  const layout = path.join(workDir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const l = put(layer);
  const config = put(json({
    architecture: 'amd64', os: 'linux',
    config: { Cmd: ['httpd', '-f', '-v', '-p', '80', '-h', '/www'], Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {} }, ...(options.user ? { User: options.user } : {}) },
    rootfs: { type: 'layers', diff_ids: [l.digest] },
  }));
  const manifest = put(json({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  }));
  fs.writeFileSync(path.join(layout, 'index.json'), json({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': name } }],
  }));
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const tar = path.join(workDir, 'image.tar');
  execFileSync('tar', ['-C', layout, '-cf', tar, 'oci-layout', 'index.json', 'blobs']);
  return tar;
}
