// Compiled seccomp filters kept between calls (crun keeps them too): libseccomp takes ~15 ms to
// compile podman's default profile (437 syscall names, 3 architectures), in every create and exec
// that carries one, and an engine sends the same profile every time. A filter is kept under a
// digest of the profile and of the compiler (native.seccompCompilerId) in a directory only its
// user can write: root's /run/runts-cache/seccomp, another user's under $XDG_RUNTIME_DIR (none
// without it). Anything wrong with the cache (not ours, unwritable, a damaged entry) means the
// profile is compiled, as without one.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../foundation/atomic-file';
import * as native from '../native';

/** Entries kept: each is a few kB (9 kB for podman's profile); the oldest go first. */
const KEPT = 64;
/** A BPF program is a whole number of 8-byte instructions. */
const INSTRUCTION_BYTES = 8;

/** dir, made if missing, when it and its parent are directories only this user can reach; else undefined. */
export function privateDir(dir: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const d of [path.dirname(dir), dir]) {
      const st = fs.lstatSync(d);
      if (!st.isDirectory() || st.uid !== process.geteuid!() || (st.mode & 0o077) !== 0) return undefined;
    }
    return dir;
  } catch {
    return undefined;
  }
}

export function seccompCacheDir(): string | undefined {
  if (process.geteuid!() === 0) return privateDir('/run/runts-cache/seccomp');
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime && path.isAbsolute(runtime) ? privateDir(path.join(runtime, 'runts-cache', 'seccomp')) : undefined;
}

function dropOldest(dir: string): void {
  const entries = fs.readdirSync(dir).filter((n) => n.endsWith('.bpf'));
  if (entries.length <= KEPT) return;
  const byAge = entries.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, entries.length - KEPT)) fs.rmSync(path.join(dir, n), { force: true });
}

export interface FilterCache {
  dir: string | undefined;
  compilerId: string;
}

/** The compiled filter of `profile`: the kept one, else compile()'s, which is then kept. */
export function cachedFilter(profile: object, compile: () => Buffer, cache: FilterCache = { dir: seccompCacheDir(), compilerId: native.seccompCompilerId() }): Buffer {
  if (!cache.dir) return compile();
  const file = path.join(cache.dir, `${native.sha256Hex(`${cache.compilerId}\n${JSON.stringify(profile)}`)}.bpf`);
  try {
    const kept = fs.readFileSync(file);
    if (kept.length > 0 && kept.length % INSTRUCTION_BYTES === 0) return kept;
  } catch {
    /* not kept yet */
  }
  const bpf = compile();
  try {
    writeFileAtomic(file, bpf, { mode: 0o600 });
    dropOldest(cache.dir);
  } catch {
    /* kept next time, maybe: this call has its filter */
  }
  return bpf;
}
