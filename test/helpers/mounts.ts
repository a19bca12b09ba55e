// Mount clean-up for tests that run engines: whatever they left mounted under a temp dir.
import { spawnSync } from 'child_process';
import { readMountInfo } from '../../src/foundation/mountinfo';

export function mountsUnder(dir: string): string[] {
  return readMountInfo().map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Lazily unmounts everything under dir, deepest first. */
export function unmountUnder(dir: string): void {
  for (const m of mountsUnder(dir).reverse()) spawnSync('umount', ['-l', m]);
}
