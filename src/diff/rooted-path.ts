// Path resolution confined to a root directory, the checked walk the layer applier uses in place
// of openat2(RESOLVE_IN_ROOT): every component is lstat'ed inside the root; a symlink met on the
// way is followed *as if the root were "/"* (absolute targets restart at the root, ".." stops at
// it), so no entry of a layer can name anything outside the target.
//
// Residual risk (documented for the lead): the walk returns a path string, and the later syscall
// resolves it again. A process that can write inside the target *concurrently* could swap a
// checked directory for a symlink in between (TOCTOU). The snapshot directories are private to
// the daemon (root-owned, not shared with containers while being unpacked), so only the daemon
// writes there; an openat2-based addon call would close this window.

import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';

const MAX_SYMLINK_HOPS = 40;

/** Lexical clean of an archive path against "/": "../../etc/x" -> ["etc", "x"]. */
export function cleanComponents(name: string): string[] {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}

/**
 * Refuses a name that is not exactly one entry of a directory: empty, ".", ".." or holding a slash
 * or NUL would make a join land on the directory itself, its parent or deeper.
 */
export function checkEntryName(name: string, what: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new RuntsError(`invalid ${what} ${JSON.stringify(name)}`, 'invalid');
  }
}

export class RootedTree {
  constructor(readonly root: string) {}

  full(parts: string[]): string {
    return parts.length ? path.join(this.root, ...parts) : this.root;
  }

  /**
   * The path of entry `name` in the resolved directory `dir`: the one place where a layer's names
   * become a path that is created, replaced or removed. It is strictly inside the root, never the
   * root itself nor anything above it.
   */
  child(dir: string[], name: string, what = 'name'): string {
    for (const part of dir) checkEntryName(part, what);
    checkEntryName(name, what);
    const full = path.join(this.root, ...dir, name);
    if (!full.startsWith(this.root === '/' ? '/' : `${this.root}/`) || full === this.root) {
      throw new RuntsError(`invalid ${what} ${JSON.stringify(name)}: outside the layer root`, 'invalid');
    }
    return full;
  }

  /**
   * Resolves `parts` to a directory inside the root whose components are real directories (no
   * symlinks), following symlinks within the root. Missing directories are created (0755, then
   * `created` is told) when `create` is set, otherwise a not-found error is thrown.
   */
  async resolveDirectory(parts: string[], create: boolean, created?: (rel: string[]) => Promise<void>): Promise<string[]> {
    let resolved: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const current = path.join(this.root, ...resolved, part);
      // Synchronous: one lstat per path component per entry, too small for a thread-pool trip.
      const stat = fs.lstatSync(current, { throwIfNoEntry: false });
      if (!stat) {
        if (!create) throw new RuntsError(`${current}: no such file or directory`, 'not-found', 'ENOENT');
        await fs.promises.mkdir(current, { mode: 0o755 });
        resolved.push(part);
        if (created) await created([...resolved]);
        continue;
      }
      if (stat.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw new RuntsError(`${current}: too many levels of symbolic links`, 'invalid', 'ELOOP');
        const target = await fs.promises.readlink(current);
        if (target.startsWith('/')) resolved = [];
        queue.unshift(...target.split('/'));
        continue;
      }
      if (!stat.isDirectory()) throw new RuntsError(`${current}: not a directory`, 'invalid', 'ENOTDIR');
      resolved.push(part);
    }
    return resolved;
  }
}

export async function lstatOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
