// A container's (or, later, a pod sandbox's) network, start to end: a pinned namespace, the
// network's CNI plugins added into it, undone in reverse on teardown; a failed attach leaves
// nothing; a sweep undoes attachments whose owner is gone (after a crash of daemon or client).
import { Cni } from './cni/cni';
import { CachedAttachment } from './cni/cache';
import { NetworkConfList, loadNetwork, parseConfList } from './cni/config';
import { NetnsDir } from './netns';
import { PortMapping } from './ports';

export interface NetworkEnv {
  confDir: string;
  cni: Cni;
  netns: NetnsDir;
}

export interface AttachedNetwork {
  network: string;
  netns: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
}

const IFNAME = 'eth0';

// The loopback plugin brings lo up in every namespace, as containerd's CRI does with its own
// loopback network beside the pod's (a conflist cannot hold it: it ignores CNI_IFNAME).
const LOOPBACK: NetworkConfList = parseConfList(JSON.stringify({ cniVersion: '1.0.0', name: 'cni-loopback', plugins: [{ type: 'loopback' }] }), 'built-in loopback');

interface CniResult {
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
}

/** The container side's address from a CNI result (the first IP on an interface in the sandbox). */
export function containerAddress(result: unknown): Omit<AttachedNetwork, 'network' | 'netns'> {
  const r = (result ?? {}) as CniResult;
  const interfaces = r.interfaces ?? [];
  const ip = (r.ips ?? []).find((i) => i.interface === undefined || interfaces[i.interface]?.sandbox) ?? r.ips?.[0];
  const iface = ip?.interface !== undefined ? interfaces[ip.interface] : interfaces.find((i) => i.sandbox);
  const [address = '', prefix = '0'] = (ip?.address ?? '').split('/');
  return { ip: address, prefixLength: Number(prefix), gateway: ip?.gateway ?? '', mac: iface?.mac ?? '' };
}

/** `network` undefined: a namespace with only lo (docker's --network none). */
export async function attachNetwork(env: NetworkEnv, id: string, network: string | undefined, ports: PortMapping[]): Promise<AttachedNetwork> {
  return addNetworks(env, id, env.netns.create(id), network, ports);
}

/**
 * The CNI half of attachNetwork, into a namespace `env.netns.create(id)` made already (a pod's
 * sandbox task can start in it meanwhile); on failure the namespace is removed too.
 */
export async function addNetworks(env: NetworkEnv, id: string, netns: string, network: string | undefined, ports: PortMapping[]): Promise<AttachedNetwork> {
  const lo = { containerId: id, netns, ifName: 'lo' };
  const at = { containerId: id, netns, ifName: IFNAME, capabilityArgs: ports.length > 0 ? { portMappings: ports } : {} };
  let list: NetworkConfList | undefined;
  try {
    list = network === undefined ? undefined : loadNetwork(env.confDir, network);
    await env.cni.addNetworkList(LOOPBACK, lo);
    const result = list ? await env.cni.addNetworkList(list, at) : undefined;
    return { network: network ?? 'none', netns, ...containerAddress(result) };
  } catch (err) {
    // best effort: a DEL may fail for the same reason the ADD did; the ADD's error is the news
    if (list) await env.cni.delNetworkList(list, at).catch(() => env.cni.cache.remove(list!.name, id, IFNAME));
    await env.cni.delNetworkList(LOOPBACK, lo).catch(() => env.cni.cache.remove(LOOPBACK.name, id, 'lo'));
    env.netns.remove(id);
    throw err;
  }
}

/** Idempotent; works from the results cache when the network's config is gone. */
export async function detachNetwork(env: NetworkEnv, id: string, network: string | undefined): Promise<void> {
  const netns = env.netns.pathOf(id);
  // No cache: ADD never finished (its failure path cleaned up), nothing to tell the plugins.
  const cached = network === undefined ? undefined : env.cni.cache.read(network, id, IFNAME);
  if (cached) await env.cni.delCached(cached, netns);
  const lo = env.cni.cache.read(LOOPBACK.name, id, 'lo');
  if (lo) await env.cni.delCached(lo, netns);
  env.netns.remove(id);
}

/** The address an attachment got, from the results cache: for a record a crash left without it. */
export function cachedAddress(env: NetworkEnv, id: string, network: string): Omit<AttachedNetwork, 'network' | 'netns'> | undefined {
  const cached = env.cni.cache.read(network, id, IFNAME);
  return cached ? containerAddress(cached.result) : undefined;
}

export interface SweepResult {
  swept: string[];
  /** Attachments whose DEL failed: kept (cache and namespace) for the next sweep to retry. */
  failed: { id: string; error: string }[];
}

/** Undoes every attachment in env's namespace dir whose owner `isLive` denies. */
export async function sweepStale(env: NetworkEnv, isLive: (id: string) => boolean): Promise<SweepResult> {
  const stale = new Map<string, CachedAttachment[]>();
  for (const entry of env.cni.cache.list()) {
    if (entry.netns !== env.netns.pathOf(entry.containerId) || isLive(entry.containerId)) continue;
    stale.set(entry.containerId, [...(stale.get(entry.containerId) ?? []), entry]);
  }
  for (const name of env.netns.list()) if (!isLive(name) && !stale.has(name)) stale.set(name, []);
  const result: SweepResult = { swept: [], failed: [] };
  for (const [id, entries] of stale) {
    // lo last: the others' DEL still finds the namespace (the bridge plugin removes its veth there)
    entries.sort((a, b) => Number(a.ifName === 'lo') - Number(b.ifName === 'lo'));
    try {
      for (const entry of entries) await env.cni.delCached(entry, entry.netns);
      env.netns.remove(id);
      result.swept.push(id);
    } catch (err) {
      result.failed.push({ id, error: (err as Error).message });
    }
  }
  return result;
}
