// Mount clean-up for tests that run engines: whatever they left mounted under a temp dir.
import { spawnSync } from 'child_process';
import * as fs from 'fs';

export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
}

/** Lazily unmounts everything under dir, deepest first. */
export function unmountUnder(dir: string): void {
  for (const m of mountsUnder(dir).reverse()) spawnSync('umount', ['-l', m]);
}
