// CNI as a library, in libcni's role: ADD runs a list's plugins in order, each given the
// previous one's result; CHECK re-runs them against the cached result; DEL runs them in reverse
// from the cache and is idempotent; VERSION asks a plugin what it speaks.
import { RuntsError } from '../../foundation/errors';
import { DEFAULT_BIN_DIR, NetworkConfList, parseConfList } from './config';
import { CachedAttachment, ResultCache } from './cache';
import { CniCommand, execPlugin, findPlugin } from './exec';
import { CapabilityArgs, cniArgsString, pluginConf } from './plugin-conf';

export interface Attachment {
  containerId: string;
  netns: string;
  ifName: string;
  cniArgs?: [string, string][];
  capabilityArgs?: CapabilityArgs;
}

export interface CniOptions {
  binDirs?: string[];
  cacheDir?: string;
}

/** "1.0.0" >= "0.4.0" and the like (CHECK exists from 0.4.0 on). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export class Cni {
  readonly binDirs: string[];
  readonly cache: ResultCache;

  constructor(options: CniOptions = {}) {
    this.binDirs = options.binDirs ?? [DEFAULT_BIN_DIR];
    this.cache = new ResultCache(options.cacheDir);
  }

  private run(command: CniCommand, list: NetworkConfList, index: number, at: Attachment, prevResult: unknown, netns = at.netns) {
    const plugin = list.plugins[index];
    const binary = findPlugin(plugin.type, this.binDirs);
    const call = { command, containerId: at.containerId, netns, ifName: at.ifName, args: cniArgsString(at.cniArgs ?? []) };
    return execPlugin(binary, this.binDirs, call, pluginConf(list, plugin, prevResult, at.capabilityArgs ?? {}));
  }

  /** Every plugin must exist before anything is set up, so a missing one leaves nothing behind. */
  private requirePlugins(list: NetworkConfList): void {
    for (const p of list.plugins) findPlugin(p.type, this.binDirs);
  }

  /**
   * Runs the list's ADDs. The cache entry is written before the first plugin runs (result null)
   * so an ADD cut short by a crash can still be DELeted from the cache; the result follows.
   */
  async addNetworkList(list: NetworkConfList, at: Attachment): Promise<unknown> {
    this.requirePlugins(list);
    const entry: CachedAttachment = {
      kind: 'cni_cacheV1',
      containerId: at.containerId,
      config: Buffer.from(list.bytes).toString('base64'),
      ifName: at.ifName,
      networkName: list.name,
      netns: at.netns,
      cniArgs: at.cniArgs ?? [],
      capabilityArgs: at.capabilityArgs ?? {},
      result: null,
    };
    this.cache.write(entry);
    let result: unknown;
    for (let i = 0; i < list.plugins.length; i++) result = await this.run('ADD', list, i, at, result);
    this.cache.write({ ...entry, result });
    return result;
  }

  async checkNetworkList(list: NetworkConfList, at: Attachment): Promise<void> {
    if (!versionAtLeast(list.cniVersion, '0.4.0')) throw new RuntsError(`network ${list.name}: CHECK needs cniVersion 0.4.0 or later (it has ${list.cniVersion})`, 'unsupported');
    if (list.disableCheck) return;
    const cached = this.cache.read(list.name, at.containerId, at.ifName);
    if (!cached?.result) throw new RuntsError(`network ${list.name}: no cached result for container ${at.containerId} ${at.ifName} to check`, 'not-found');
    for (let i = 0; i < list.plugins.length; i++) await this.run('CHECK', list, i, at, cached.result);
  }

  /**
   * Undoes an ADD: plugins in reverse order, each given the cached result; the cached config
   * wins over `list` so a changed or removed file cannot strand what was set up. Deleting
   * what is not there is success (plugins' DEL are idempotent, and a missing cache is fine).
   * `netns` '' tells plugins the namespace is already gone.
   */
  async delNetworkList(list: NetworkConfList | undefined, at: Attachment): Promise<void> {
    const name = list?.name;
    const cached = name ? this.cache.read(name, at.containerId, at.ifName) : undefined;
    const effective = cached ? parseConfList(Buffer.from(cached.config, 'base64').toString(), `cached config of ${cached.networkName}`) : list;
    if (!effective) return;
    const args: Attachment = cached ? { ...at, cniArgs: cached.cniArgs, capabilityArgs: cached.capabilityArgs } : at;
    for (let i = effective.plugins.length - 1; i >= 0; i--) await this.run('DEL', effective, i, args, cached?.result ?? undefined);
    this.cache.remove(effective.name, at.containerId, at.ifName);
  }

  /** DEL from the cache alone (the config list may be gone): for stale attachments. */
  async delCached(entry: CachedAttachment, netns: string): Promise<void> {
    const list = parseConfList(Buffer.from(entry.config, 'base64').toString(), `cached config of ${entry.networkName}`);
    await this.delNetworkList(list, { containerId: entry.containerId, netns, ifName: entry.ifName });
  }

  /** The versions a plugin supports (CNI VERSION). */
  async pluginVersions(type: string, cniVersion = '1.0.0'): Promise<string[]> {
    const binary = findPlugin(type, this.binDirs);
    const out = await execPlugin(binary, this.binDirs, { command: 'VERSION', containerId: '', netns: '', ifName: '', args: '' }, { cniVersion }) as { supportedVersions?: string[] };
    return out?.supportedVersions ?? [];
  }
}
