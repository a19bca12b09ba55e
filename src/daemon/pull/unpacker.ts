// Unpacking pulled layers inside runtsd, the way ctr drives it from outside: if the chain's
// snapshot is missing, prepare an extraction snapshot on the parent chain, apply the layer from
// the content store onto its mounts (diff ID checked), commit it under the chain ID; every
// snapshot joins the pull's lease.
//
// With overlayfs each layer is a directory of its own, so a layer is extracted as soon as it is
// downloaded, on an apply worker, into a staging directory beside the snapshots (the layers of
// an image unpack in parallel; containerd unpacks them one after the other). When its parent is
// committed, the staging directory becomes the new snapshot's upper directory (a rename), and
// directories the layer implies take their metadata from the layers below, as in-place applying
// does.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Deps } from '../deps';
import { stagingDir } from './staging';
import { NamespacedSnapshotter } from '../snapshots/namespaced';
import { RuntsError } from '../../foundation/errors';
import { ApplyResult, adoptLowerMetadata } from '../../diff/apply';
import { applyBlobToDirectory, applyBlobToMounts } from '../../diff/apply-worker';
import { Mount } from '../../snapshots/types';
import { ContentTarget, LayerUnpacker } from '../../registry/target';
import { addLeaseResource } from '../../metadata/leases';

/** Where layers are extracted ahead of their parents; emptied at start-up. */

interface Staged {
  dir: string;
  result: ApplyResult;
}

const option = (m: Mount, name: string) => m.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);

/** The directory a snapshot's layer lives in, and the layers below it, from its mounts. */
function layerDirs(mounts: Mount[]): { upper: string; lowers: string[] } | undefined {
  if (mounts.length !== 1) return undefined;
  const [m] = mounts;
  const upper = m.type === 'overlay' ? option(m, 'upperdir') : m.type === 'bind' ? m.source : undefined;
  if (!upper) return undefined;
  return { upper, lowers: (option(m, 'lowerdir') ?? '').split(':').filter(Boolean) };
}

export function daemonUnpacker(deps: Deps, namespace: string, lease: string, content: ContentTarget, snapshotterName: string): LayerUnpacker {
  const snapshotters = deps.snapshotters;
  const backend = snapshotters?.all[snapshotterName];
  if (!backend) {
    throw new RuntsError(`snapshotter ${JSON.stringify(snapshotterName)} is not available (have: ${Object.keys(snapshotters?.all ?? {}).join(', ')})`, 'not-found');
  }
  const snapshots = new NamespacedSnapshotter(backend, namespace);
  const staging = stagingDir(deps.config.root);
  const staged = new Map<string, Promise<Staged | undefined>>();
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
  const discard = async (stage: Promise<Staged | undefined> | undefined) => {
    const done = await stage?.catch(() => undefined);
    if (done) await fs.promises.rm(done.dir, { recursive: true, force: true });
  };

  /** Extracts into a staging directory, then moves it in as the upper directory. */
  const fromStaging = async (stage: Staged, diffId: string, layerDigest: string, mounts: Mount[]): Promise<boolean> => {
    if (stage.result.diffId !== diffId) {
      throw new RuntsError(`layer ${layerDigest} unpacks to ${stage.result.diffId}, but the image config expects diff ID ${diffId}`, 'invalid');
    }
    const dirs = layerDirs(mounts);
    if (!dirs) return false;
    await fs.promises.rmdir(dirs.upper);
    try {
      await fs.promises.rename(stage.dir, dirs.upper);
    } catch (err) {
      // Staging on another filesystem than the snapshots: apply in place after all.
      await fs.promises.mkdir(dirs.upper, { mode: 0o755 });
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
      throw err;
    }
    await adoptLowerMetadata(dirs.upper, dirs.lowers, stage.result.impliedDirectories);
    return true;
  };

  return {
    prefetch(layer, index, _diffId, chainId) {
      if (snapshotterName !== 'overlayfs' || staged.has(chainId)) return;
      const work = (async () => {
        if (await exists(chainId)) return undefined;
        await fs.promises.mkdir(staging, { recursive: true, mode: 0o700 });
        const dir = await fs.promises.mkdtemp(path.join(staging, 'layer-'));
        try {
          // As the snapshotter makes an upper directory; the layer's own "./" entry may change it.
          await fs.promises.chmod(dir, 0o755);
          // The bottom layer is a plain directory (a bind mount): its whiteouts delete.
          const result = await applyBlobToDirectory(dir, index === 0 ? 'delete' : 'overlay', deps.content.blobPath(layer.digest), { expectedDigest: layer.digest });
          return { dir, result };
        } catch (err) {
          await fs.promises.rm(dir, { recursive: true, force: true });
          throw err;
        }
      })();
      work.catch(() => undefined);
      staged.set(chainId, work);
    },

    async unpack(layer, diffId, chainId, parent) {
      const stage = staged.get(chainId);
      staged.delete(chainId);
      if (await exists(chainId)) {
        await discard(stage);
        hold(chainId);
        await content.label(layer.digest, { 'containerd.io/uncompressed': diffId });
        return 'exists';
      }
      const ready = await stage;
      const key = `extract-${randomBytes(6).toString('hex')} ${chainId}`;
      const mounts = await snapshots.prepare(key, parent, { 'containerd.io/snapshot.ref': chainId });
      hold(key);
      try {
        const moved = ready ? await fromStaging(ready, diffId, layer.digest, mounts) : false;
        if (!moved) {
          const applied = await applyBlobToMounts(mounts, deps.content.blobPath(layer.digest), { expectedDigest: layer.digest });
          if (applied.diffId !== diffId) {
            throw new RuntsError(`layer ${layer.digest} unpacks to ${applied.diffId}, but the image config expects diff ID ${diffId}`, 'invalid');
          }
        }
        await snapshots.commit(chainId, key, {});
        hold(chainId);
      } catch (err) {
        await snapshots.remove(key).catch(() => undefined);
        // A concurrent pull of the same image may have committed the chain meanwhile.
        if ((err as RuntsError).kind !== 'exists') throw err;
      } finally {
        if (ready) await fs.promises.rm(ready.dir, { recursive: true, force: true });
      }
      await content.label(layer.digest, { 'containerd.io/uncompressed': diffId });
      return 'unpacked';
    },

    async finish(config, top) {
      await content.label(config.digest, { [`containerd.io/gc.ref.snapshot.${snapshotterName}`]: top });
    },

    async abandon() {
      const left = [...staged.values()];
      staged.clear();
      await Promise.all(left.map(discard));
    },
  };
}
