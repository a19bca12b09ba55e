// Unpacking pulled layers through runtsd's snapshots and diff services (ctr's way), one layer
// at a time as the registry client hands them over.
import { Client } from '../../client/client';
import { ContentAccess } from '../../client/documents';
import { applyLayer, snapshotExists } from '../../client/unpack';
import { LayerUnpacker } from '../../registry/target';

export function grpcUnpacker(client: Client, snapshotter: string): LayerUnpacker {
  const content = new ContentAccess(client);
  return {
    async unpack(layer, diffId, chainId, parent) {
      const exists = await snapshotExists(client, snapshotter, chainId);
      if (!exists) await applyLayer(client, snapshotter, layer, diffId, chainId, parent);
      await content.label(layer.digest, { 'containerd.io/uncompressed': diffId });
      return exists ? 'exists' : 'unpacked';
    },
    async finish(config, top) {
      await content.label(config.digest, { [`containerd.io/gc.ref.snapshot.${snapshotter}`]: top });
    },
  };
}
