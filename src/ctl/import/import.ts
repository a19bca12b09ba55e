// `runtsctl images import`: the client side of an import, as ctr does it against containerd.
// Everything happens under a lease, so garbage collection keeps the blobs and snapshots until
// the images (and their labels) reference them; the lease goes at the end, success or not.
import * as fs from 'fs';
import { randomBytes } from 'crypto';
import { Client, hasCode } from '../../client/client';
import { Progress } from '../progress';
import { writeArchiveToContent } from './archive';
import { toWire } from '../../client/documents';
import { NamedImage, resolveImages } from './resolve';
import { unpackImage } from '../../client/unpack';

export interface ImportOptions {
  snapshotter: string;
  unpack: boolean;
}

export async function withLease<T>(client: Client, work: () => Promise<T>): Promise<T> {
  const id = `runtsctl-${Date.now()}-${randomBytes(4).toString('hex')}`;
  // gc.expire: should this client die, the daemon may collect what the lease held after a day.
  const expire = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
  await client.unary('leases', 'Create', { id, labels: { 'containerd.io/gc.expire': expire } });
  client.useLease(id);
  try {
    return await work();
  } finally {
    client.useLease('');
    await client.unary('leases', 'Delete', { id, sync: false });
  }
}

export async function createOrUpdate(client: Client, image: NamedImage): Promise<void> {
  const wire = { name: image.name, labels: {}, target: toWire(image.target) };
  try {
    await client.unary('images', 'Create', { image: wire });
  } catch (err) {
    if (!hasCode(err, 'ALREADY_EXISTS')) throw err;
    await client.unary('images', 'Update', { image: wire, update_mask: { paths: ['target'] } });
  }
}

/** Imports every image the archive names; prints one line per image on stdout. */
export async function importArchive(client: Client, file: string, options: ImportOptions): Promise<NamedImage[]> {
  const total = fs.existsSync(file) ? fs.statSync(file).size : 0;
  return withLease(client, async () => {
    const progress = new Progress(`importing ${file}`, total);
    const contents = await writeArchiveToContent(client, file, {
      read: (bytes) => progress.add(bytes),
      blob: (name, blob) => progress.note(`wrote ${name.endsWith(blob.digest.slice(7)) ? '' : `${name} as `}${blob.digest} (${blob.size} bytes)`),
    });
    progress.finish();
    const images = await resolveImages(client, contents);
    for (const image of images) {
      await createOrUpdate(client, image);
      if (options.unpack) {
        process.stderr.write(`unpacking ${image.name} (${image.target.digest})\n`);
        await unpackImage(client, image.target, options.snapshotter, {
          layer: (i, count, layer, state) => process.stderr.write(`  layer ${i + 1}/${count} ${layer.digest}: ${state === 'exists' ? 'already unpacked' : 'unpacked'}\n`),
        });
      }
      process.stdout.write(`${image.name} ${image.target.digest}\n`);
    }
    return images;
  });
}
