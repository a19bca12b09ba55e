// Unpacking pulled layers inside runtsd, the way ctr drives it from outside: if the chain's
// snapshot is missing, prepare an extraction snapshot on the parent chain, apply the layer from
// the content store onto its mounts (diff ID checked), commit it under the chain ID; every
// snapshot joins the pull's lease.
import { randomBytes } from 'crypto';
import { Deps } from '../deps';
import { NamespacedSnapshotter } from '../snapshots/namespaced';
import { RuntsError } from '../../runtime/errors';
import { applyBlobToMounts } from '../../diff/apply-worker';
import { LayerUnpacker } from '../../registry/target';
import { ContentTarget } from '../../registry/target';
import { addLeaseResource } from '../../metadata/leases';

export function daemonUnpacker(deps: Deps, namespace: string, lease: string, content: ContentTarget, snapshotterName: string): LayerUnpacker {
  const snapshotters = deps.snapshotters;
  const backend = snapshotters?.all[snapshotterName];
  if (!backend) {
    throw new RuntsError(`snapshotter ${JSON.stringify(snapshotterName)} is not available (have: ${Object.keys(snapshotters?.all ?? {}).join(', ')})`, 'not-found');
  }
  const snapshots = new NamespacedSnapshotter(backend, namespace);
  const hold = (key: string) => deps.metadata.update((t) => addLeaseResource(t, namespace, lease, { type: `snapshots/${snapshotterName}`, id: key }));
  const exists = async (key: string) => {
    try {
      await snapshots.stat(key);
      return true;
    } catch (err) {
      if ((err as RuntsError).kind === 'not-found') return false;
      throw err;
    }
  };
  return {
    async unpack(layer, diffId, chainId, parent) {
      if (await exists(chainId)) {
        hold(chainId);
        await content.label(layer.digest, { 'containerd.io/uncompressed': diffId });
        return 'exists';
      }
      const key = `extract-${randomBytes(6).toString('hex')} ${chainId}`;
      const mounts = await snapshots.prepare(key, parent, { 'containerd.io/snapshot.ref': chainId });
      hold(key);
      try {
        const applied = await applyBlobToMounts(mounts, deps.content.blobPath(layer.digest), { expectedDigest: layer.digest });
        if (applied.diffId !== diffId) {
          throw new RuntsError(`layer ${layer.digest} unpacks to ${applied.diffId}, but the image config expects diff ID ${diffId}`, 'invalid');
        }
        await snapshots.commit(chainId, key, {});
        hold(chainId);
      } catch (err) {
        await snapshots.remove(key).catch(() => undefined);
        // A concurrent pull of the same image may have committed the chain meanwhile.
        if ((err as RuntsError).kind !== 'exists') throw err;
      }
      await content.label(layer.digest, { 'containerd.io/uncompressed': diffId });
      return 'unpacked';
    },
    async finish(config, top) {
      await content.label(config.digest, { [`containerd.io/gc.ref.snapshot.${snapshotterName}`]: top });
    },
  };
}
