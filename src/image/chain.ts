// containerd's chain IDs, which name an image's committed snapshots: the first diff ID, then
// sha256("<parent chain> <diff ID>") for each layer above it.
import { createHash } from 'crypto';

export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent ? `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}` : diffId);
  }
  return out;
}
