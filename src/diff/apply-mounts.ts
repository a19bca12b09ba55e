// Applying a layer onto the mounts of a snapshot (what the Diff service's Apply receives):
// - one overlay mount with an upperdir: unpack straight into the upper dir with overlay
//   whiteouts, lower dirs giving the metadata of implied parent directories (no mount needed);
// - one bind mount: unpack into its source with whiteouts as deletions;
// - anything else: mount on a private temporary directory, unpack, unmount.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { invalid } from '../foundation/errors';
import { Mount, mountAll, unmountAll } from '../mount';
import { ApplyOptions, ApplyResult, applyLayer } from './apply';

function optionValue(mount: Mount, name: string): string | undefined {
  const prefix = `${name}=`;
  const option = mount.options.find((o) => o.startsWith(prefix));
  return option === undefined ? undefined : option.slice(prefix.length);
}

export type MountApplyOptions = Omit<ApplyOptions, 'whiteouts' | 'parentLayers'>;

export async function applyLayerToMounts(mounts: Mount[], source: AsyncIterable<Buffer>, options: MountApplyOptions = {}): Promise<ApplyResult> {
  if (mounts.length === 0) throw invalid('applying layer: no mounts given');
  if (mounts.length === 1) {
    const [mount] = mounts;
    const readOnly = mount.options.includes('ro');
    if (readOnly) throw invalid(`applying layer: the ${mount.type} mount of ${mount.source} is read-only`);
    const upper = mount.type === 'overlay' ? optionValue(mount, 'upperdir') : undefined;
    if (upper) {
      const lowers = (optionValue(mount, 'lowerdir') ?? '').split(':').filter(Boolean);
      return applyLayer(upper, source, { ...options, whiteouts: 'overlay', parentLayers: lowers });
    }
    if (mount.type === 'bind' || mount.options.includes('bind') || mount.options.includes('rbind')) {
      // A relative source would be resolved against the daemon's working directory.
      if (!path.isAbsolute(mount.source)) throw invalid(`applying layer: bind mount source ${JSON.stringify(mount.source)} is not an absolute path`);
      return applyLayer(mount.source, source, { ...options, whiteouts: 'delete' });
    }
  }
  return applyLayerViaTemporaryMount(mounts, source, options);
}

/** The general path: mount privately, unpack with whiteouts as deletions, unmount. */
export async function applyLayerViaTemporaryMount(mounts: Mount[], source: AsyncIterable<Buffer>, options: MountApplyOptions = {}): Promise<ApplyResult> {
  const target = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'runts-apply-'));
  try {
    await mountAll(mounts, target);
    try {
      return await applyLayer(target, source, { ...options, whiteouts: 'delete' });
    } finally {
      await unmountAll(target, mounts.length);
    }
  } finally {
    await fs.promises.rmdir(target).catch(() => undefined);
  }
}
