// The default pod sandbox image, made here so a pod runs with no registry: one layer holding
// the addon's static runts-pause as /pause, written into runtsd's content store, named, and
// unpacked like any imported image. A configured sandbox_image replaces it.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client, hasCode } from '../../client/client';
import { writeBlob } from '../../client/write-blob';
import { unpackImage } from '../../client/unpack';
import { buildTar } from '../../diff/tar/writer';
import { runtsVersion } from '../version/service';

const PAUSE_BINARY = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'runts-pause');
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

export const defaultPauseImage = () => `localhost/runts/pause:${runtsVersion()}`;

const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function put(client: Client, data: Buffer, labels: Record<string, string> = {}) {
  const digest = digestOf(data);
  async function* once() { yield data; }
  await writeBlob(client, `runts-pause-${digest}`, once(), { expected: digest, total: data.length, labels });
  return { digest, size: data.length };
}

/** Creates (once) and unpacks the default sandbox image; returns its name. */
export async function ensurePauseImage(address: string, namespace: string, snapshotter: string): Promise<string> {
  const name = defaultPauseImage();
  // its own client: the lease header (keeping the blobs from GC until the image names them)
  // must not go with other calls
  const client = new Client(address, namespace);
  try {
    await client.unary('images', 'Get', { name });
    return name;
  } catch (err) {
    if (!hasCode(err, 'NOT_FOUND')) throw err;
  }
  const lease = `runtsd-pause-${Date.now()}`;
  await client.unary('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': new Date(Date.now() + 3600e3).toISOString() } });
  client.useLease(lease);
  try {
    return await build(client, name, snapshotter);
  } finally {
    client.useLease('');
    await client.unary('leases', 'Delete', { id: lease, sync: false }).catch(() => undefined);
    client.close();
  }
}

async function build(client: Client, name: string, snapshotter: string): Promise<string> {
  let binary: Buffer;
  try {
    binary = fs.readFileSync(PAUSE_BINARY);
  } catch (err) {
    throw new Error(`the sandbox image needs ${PAUSE_BINARY} (build the addon): ${(err as Error).message}`);
  }
  const layer = buildTar([{ name: 'pause', type: 'file', mode: 0o755, data: binary }]);
  const l = await put(client, layer);
  const config = await put(client, Buffer.from(JSON.stringify({
    architecture: ARCH[process.arch] ?? process.arch, os: 'linux',
    config: { Entrypoint: ['/pause'], User: '65535:65535' },
    rootfs: { type: 'layers', diff_ids: [l.digest] },
  })));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  }));
  const m = await put(client, manifest, {
    'containerd.io/gc.ref.content.config': config.digest, 'containerd.io/gc.ref.content.l.0': l.digest,
  });
  const target = { media_type: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, annotations: {} };
  await unpackImage(client, { mediaType: target.media_type, digest: m.digest, size: m.size }, snapshotter, { layer: () => undefined });
  try {
    await client.unary('images', 'Create', { image: { name, labels: { 'io.cri-containerd.pinned': 'pinned' }, target } });
  } catch (err) {
    if (!hasCode(err, 'ALREADY_EXISTS')) throw err;
  }
  return name;
}
