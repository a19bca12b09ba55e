// The results cache (libcni's cached results, format "cni_cacheV1"): written after a successful
// ADD, read by CHECK and DEL, so a DEL after a restart (or after the config file changed or
// went) still tells each plugin what it set up.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../foundation/atomic-file';

export const DEFAULT_CACHE_DIR = '/var/lib/cni';

export interface CachedAttachment {
  kind: 'cni_cacheV1';
  containerId: string;
  config: string; // base64 of the config list's bytes
  ifName: string;
  networkName: string;
  netns: string;
  cniArgs: [string, string][];
  capabilityArgs: Record<string, unknown>;
  result: unknown;
}

export class ResultCache {
  constructor(readonly dir: string = DEFAULT_CACHE_DIR) {}

  private file(network: string, containerId: string, ifName: string): string {
    return path.join(this.dir, 'results', `${network}-${containerId}-${ifName}`);
  }

  write(entry: CachedAttachment): void {
    const file = this.file(entry.networkName, entry.containerId, entry.ifName);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // replaced in one step but not fsynced, as libcni writes it: the entry describes namespaces
    // in /run that a power loss takes with it, and a synchronous fsync stalled runtsd's event
    // loop ~10 ms in every RunPodSandbox
    writeFileAtomic(file, JSON.stringify(entry), { mode: 0o600 });
  }

  read(network: string, containerId: string, ifName: string): CachedAttachment | undefined {
    try {
      const entry = JSON.parse(fs.readFileSync(this.file(network, containerId, ifName), 'utf8')) as CachedAttachment;
      return entry.kind === 'cni_cacheV1' ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  remove(network: string, containerId: string, ifName: string): void {
    fs.rmSync(this.file(network, containerId, ifName), { force: true });
  }

  /** Every cached attachment (for a sweep of stale ones). */
  list(): CachedAttachment[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.dir, 'results'));
    } catch {
      return [];
    }
    const out: CachedAttachment[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        const entry = JSON.parse(fs.readFileSync(path.join(this.dir, 'results', name), 'utf8')) as CachedAttachment;
        if (entry.kind === 'cni_cacheV1') out.push(entry);
      } catch {
        // half-written or foreign: not ours to judge
      }
    }
    return out;
  }
}
