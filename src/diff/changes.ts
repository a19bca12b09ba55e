// The changes between two directory trees as the entries of a layer, in path order:
// - upper dir of an overlay mount (fast path): everything in it is a change; char 0/0 nodes are
//   deletions, trusted.overlay.opaque=y directories replace what is below;
// - two full trees (generic walk): added, modified (metadata, size, mtime or, when mtimes carry no
//   sub-second part, contents differ) and deleted paths.
// Extended attributes are not compared by the generic walk (they are carried when a path is
// emitted for another reason).

import * as fs from 'fs';
import * as path from 'path';
import { getXattrs } from './special-files';

export type ChangeEntry =
  | { kind: 'path'; name: string; path: string }
  | { kind: 'whiteout'; name: string }
  | { kind: 'opaque'; name: string };

const OPAQUE_XATTR = 'trusted.overlay.opaque';

async function sortedNames(dir: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function join(name: string, child: string): string {
  return name ? `${name}/${child}` : child;
}

export async function* changesFromOverlayUpper(upper: string): AsyncGenerator<ChangeEntry> {
  async function* walk(dir: string, name: string): AsyncGenerator<ChangeEntry> {
    for (const child of await sortedNames(dir)) {
      const full = path.join(dir, child);
      const rel = join(name, child);
      const stat = await fs.promises.lstat(full);
      if (stat.isCharacterDevice() && stat.rdev === 0) {
        yield { kind: 'whiteout', name: rel };
        continue;
      }
      yield { kind: 'path', name: rel, path: full };
      if (stat.isDirectory()) {
        if ((await getXattrs(full)).get(OPAQUE_XATTR)?.toString() === 'y') yield { kind: 'opaque', name: rel };
        yield* walk(full, rel);
      }
    }
  }
  yield* walk(upper, '');
}

function sameMetadata(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.rdev === b.rdev;
}

async function sameContents(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([fs.promises.open(a, 'r'), fs.promises.open(b, 'r')]);
  try {
    const bufA = Buffer.alloc(1 << 16);
    const bufB = Buffer.alloc(1 << 16);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(bufA, 0, bufA.length), fb.read(bufB, 0, bufB.length)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!bufA.subarray(0, ra.bytesRead).equals(bufB.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

async function unchanged(lowerPath: string, upperPath: string, lower: fs.BigIntStats, upper: fs.BigIntStats): Promise<boolean> {
  if (!sameMetadata(lower, upper)) return false;
  if (upper.isDirectory()) return true; // a directory's own change is its metadata; children are walked
  if (upper.isSymbolicLink()) return (await fs.promises.readlink(lowerPath)) === (await fs.promises.readlink(upperPath));
  if (!upper.isFile()) return true;
  if (lower.size !== upper.size || lower.mtimeNs !== upper.mtimeNs) return false;
  // Whole-second mtimes (copied by tools that drop nanoseconds) cannot prove sameness.
  if (upper.mtimeNs % 1_000_000_000n === 0n) return sameContents(lowerPath, upperPath);
  return true;
}

async function* everything(dir: string, name: string): AsyncGenerator<ChangeEntry> {
  for (const child of await sortedNames(dir)) {
    const full = path.join(dir, child);
    yield { kind: 'path', name: join(name, child), path: full };
    if ((await fs.promises.lstat(full)).isDirectory()) yield* everything(full, join(name, child));
  }
}

export async function* changesBetween(lowerRoot: string, upperRoot: string): AsyncGenerator<ChangeEntry> {
  async function* walk(lowerDir: string, upperDir: string, name: string): AsyncGenerator<ChangeEntry> {
    const lowerNames = new Set(await sortedNames(lowerDir));
    const upperNames = await sortedNames(upperDir);
    const all = [...new Set([...lowerNames, ...upperNames])].sort();
    const upperSet = new Set(upperNames);
    for (const child of all) {
      const rel = join(name, child);
      const lowerPath = path.join(lowerDir, child);
      const upperPath = path.join(upperDir, child);
      if (!upperSet.has(child)) {
        yield { kind: 'whiteout', name: rel };
        continue;
      }
      const upper = await fs.promises.lstat(upperPath, { bigint: true });
      if (!lowerNames.has(child)) {
        yield { kind: 'path', name: rel, path: upperPath };
        if (upper.isDirectory()) yield* everything(upperPath, rel);
        continue;
      }
      const lower = await fs.promises.lstat(lowerPath, { bigint: true });
      if (upper.isDirectory() && lower.isDirectory()) {
        if (!(await unchanged(lowerPath, upperPath, lower, upper))) yield { kind: 'path', name: rel, path: upperPath };
        yield* walk(lowerPath, upperPath, rel);
      } else if (upper.isDirectory()) {
        yield { kind: 'path', name: rel, path: upperPath };
        yield* everything(upperPath, rel);
      } else if (!(await unchanged(lowerPath, upperPath, lower, upper))) {
        yield { kind: 'path', name: rel, path: upperPath };
      }
    }
  }
  yield* walk(lowerRoot, upperRoot, '');
}
