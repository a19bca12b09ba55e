// Which changes a Diff request's two mount sets describe, mounting them only when needed:
// - right is an overlay with an upperdir over exactly the left side's layers: read the upper dir;
// - bind mounts (or no left mounts, for a base layer): compare the directories directly;
// - otherwise: mount both sides on private temporary directories and compare.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { invalid } from '../foundation/errors';
import { Mount, mountAll, unmountAll } from '../mount';
import { ChangeEntry, changesBetween, changesFromOverlayUpper } from './changes';

function optionValue(mount: Mount, name: string): string | undefined {
  const option = mount.options.find((o) => o.startsWith(`${name}=`));
  return option === undefined ? undefined : option.slice(name.length + 1);
}

const isBind = (m: Mount) => m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');

/** The directories a mount set shows, when that needs no mount: bind source, or the overlay's lowers. */
function layersOf(mounts: Mount[]): string[] | undefined {
  if (mounts.length === 0) return [];
  if (mounts.length !== 1) return undefined;
  const [m] = mounts;
  if (isBind(m)) return [m.source];
  if (m.type === 'overlay' && !optionValue(m, 'upperdir')) return (optionValue(m, 'lowerdir') ?? '').split(':');
  return undefined;
}

export async function withChanges<T>(left: Mount[], right: Mount[], consume: (changes: AsyncIterable<ChangeEntry>) => Promise<T>): Promise<T> {
  if (right.length === 0) throw invalid('diff: no mounts given for the upper (right) side');
  if (right.length === 1 && right[0].type === 'overlay') {
    const upper = optionValue(right[0], 'upperdir');
    const lowers = (optionValue(right[0], 'lowerdir') ?? '').split(':');
    const leftLayers = layersOf(left);
    if (upper && leftLayers && leftLayers.join(':') === lowers.join(':')) return consume(changesFromOverlayUpper(upper));
  }
  if (right.length === 1 && isBind(right[0])) {
    const leftLayers = layersOf(left);
    if (leftLayers && leftLayers.length <= 1) {
      return consume(changesBetween(leftLayers[0] ?? path.join(os.tmpdir(), 'runts-nonexistent-lower'), right[0].source));
    }
  }
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'runts-diff-'));
  const lowerDir = path.join(work, 'lower');
  const upperDir = path.join(work, 'upper');
  const mounted: Array<[string, number]> = [];
  try {
    await fs.promises.mkdir(lowerDir);
    await fs.promises.mkdir(upperDir);
    if (left.length > 0) {
      await mountAll(left, lowerDir);
      mounted.push([lowerDir, left.length]);
    }
    await mountAll(right, upperDir);
    mounted.push([upperDir, right.length]);
    return await consume(changesBetween(lowerDir, upperDir));
  } finally {
    for (const [dir, count] of mounted.reverse()) await unmountAll(dir, count).catch(() => undefined);
    // rmdir, never a recursive remove: a directory still mounted must not be emptied.
    for (const dir of [lowerDir, upperDir, work]) await fs.promises.rmdir(dir).catch(() => undefined);
  }
}
