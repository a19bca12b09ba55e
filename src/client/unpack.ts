// Unpacking an image into committed snapshots the way ctr does it against containerd: for each
// layer, skip it when its chain ID exists, else Snapshots.Prepare on the parent chain,
// Diff.Apply the layer onto the returned mounts, check the diff ID, Commit under the chain ID;
// then label the layers with their uncompressed digest and the config with the top snapshot.
import { randomBytes } from 'crypto';
import { Client, hasCode } from './client';
import { Descriptor, parseConfig, parseIndex, parseManifest, selectManifest } from '../image/documents';
import { isIndex } from '../image/media-types';
import { hostPlatform } from '../image/platform';
import { chainIds } from '../image/chain';
import { invalid } from '../foundation/errors';
import { ContentAccess, toWire } from './documents';

export interface UnpackProgress {
  layer(index: number, count: number, layer: Descriptor, state: 'exists' | 'unpacked'): void;
}

export async function unpackImage(client: Client, target: Descriptor, snapshotter: string, progress: UnpackProgress): Promise<string> {
  const content = new ContentAccess(client);
  let manifestDesc = target;
  if (isIndex(target.mediaType)) manifestDesc = selectManifest(parseIndex(await content.read(target.digest)), hostPlatform());
  const manifest = parseManifest(await content.read(manifestDesc.digest), `image manifest ${manifestDesc.digest}`);
  const config = parseConfig(await content.read(manifest.config.digest), `image config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw invalid(`image manifest ${manifestDesc.digest} has ${manifest.layers.length} layers but its config lists ${diffIds.length} diff IDs`);
  }
  const chain = chainIds(diffIds);
  let parent = '';
  for (const [i, layer] of manifest.layers.entries()) {
    const name = chain[i];
    if (await snapshotExists(client, snapshotter, name)) {
      progress.layer(i, manifest.layers.length, layer, 'exists');
    } else {
      await applyLayer(client, snapshotter, layer, diffIds[i], name, parent);
      progress.layer(i, manifest.layers.length, layer, 'unpacked');
    }
    await content.label(layer.digest, { 'containerd.io/uncompressed': diffIds[i] });
    parent = name;
  }
  if (parent) await content.label(manifest.config.digest, { [`containerd.io/gc.ref.snapshot.${snapshotter}`]: parent });
  return parent;
}

export async function snapshotExists(client: Client, snapshotter: string, key: string): Promise<boolean> {
  try {
    await client.unary('snapshots', 'Stat', { snapshotter, key });
    return true;
  } catch (err) {
    if (hasCode(err, 'NOT_FOUND')) return false;
    throw err;
  }
}

export async function applyLayer(client: Client, snapshotter: string, layer: Descriptor, diffId: string, name: string, parent: string): Promise<void> {
  const key = `extract-${randomBytes(6).toString('hex')} ${name}`;
  const prepared = await client.unary('snapshots', 'Prepare', { snapshotter, key, parent, labels: { 'containerd.io/snapshot.ref': name } });
  try {
    const { applied } = await client.unary('diff', 'Apply', { diff: toWire(layer), mounts: prepared.mounts });
    if (applied?.digest !== diffId) {
      throw invalid(`layer ${layer.digest} unpacks to ${applied?.digest}, but the image config expects diff ID ${diffId}`);
    }
    await client.unary('snapshots', 'Commit', { snapshotter, name, key, labels: {} });
  } catch (err) {
    await client.unary('snapshots', 'Remove', { snapshotter, key }).catch(() => undefined);
    // A concurrent unpack may have committed the same chain meanwhile.
    if (hasCode(err, 'ALREADY_EXISTS')) return;
    throw err;
  }
}
