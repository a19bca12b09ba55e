// Shared by the image benches: an OCI layout tarball built on disk with the system tar, whose
// layers hold incompressible (random) files, stored uncompressed.
'use strict';
const { execFileSync } = require('child_process');
const { createHash, randomFillSync } = require('crypto');
const fs = require('fs');
const path = require('path');

function sha256File(file) {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('hex');
}

/**
 * layers: [{ files: [{ name, size }] }] or [{ writeTar(path) }] for a layer written directly. Returns { tar, name, layerBytes (sum of layer tar
 * sizes), blobBytes (every blob), layers }.
 */
function buildArchive(dir, name, layers) {
  const blobs = path.join(dir, 'layout', 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const chunk = Buffer.alloc(1 << 20);
  const descs = layers.map((layer, i) => {
    const tar = path.join(dir, `layer-${i}.tar`);
    if (layer.writeTar) {
      layer.writeTar(tar);
    } else {
      const root = path.join(dir, `layer-${i}`);
      for (const f of layer.files) {
        fs.mkdirSync(path.dirname(path.join(root, f.name)), { recursive: true });
        const fd = fs.openSync(path.join(root, f.name), 'w');
        for (let left = f.size; left > 0; left -= chunk.length) fs.writeSync(fd, randomFillSync(chunk), 0, Math.min(left, chunk.length));
        fs.closeSync(fd);
      }
      execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', tar, '.']);
      fs.rmSync(root, { recursive: true });
    }
    const hex = sha256File(tar);
    const size = fs.statSync(tar).size;
    fs.renameSync(tar, path.join(blobs, hex));
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex}`, size };
  });
  const put = (data) => {
    const hex = createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const config = put(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) } })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: descs,
  })));
  const layout = path.join(dir, 'layout');
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { architecture: arch, os: 'linux' }, annotations: { 'io.containerd.image.name': name } }],
  }));
  const tar = path.join(dir, 'image.tar');
  execFileSync('tar', ['-C', layout, '-cf', tar, 'oci-layout', 'index.json', 'blobs']);
  fs.rmSync(layout, { recursive: true });
  const layerBytes = descs.reduce((s, d) => s + d.size, 0);
  return { tar, name, layers: descs, layerBytes, blobBytes: layerBytes + config.size + manifest.size, manifest };
}

module.exports = { buildArchive };
