// Garbage collection of content, as containerd does it: per namespace, mark everything
// reachable from the roots (image targets, lease resources, content labelled
// containerd.io/gc.root) through containerd.io/gc.ref.content* labels, then drop the rest.
// Runs inside one metadata transaction; the caller unlinks the returned blobs afterwards.
import { ContentRecord, Tables, inNamespace, scopedKey } from './store';

const GC_ROOT = 'containerd.io/gc.root';
/** RFC 3339 time after which a lease no longer protects anything (ctr sets 24h on its leases). */
const GC_EXPIRE = 'containerd.io/gc.expire';
const CONTENT_REF_PREFIX = 'containerd.io/gc.ref.content';

function contentRefs(labels: Record<string, string>): string[] {
  return Object.entries(labels).filter(([k]) => k.startsWith(CONTENT_REF_PREFIX)).map(([, v]) => v);
}

function markNamespace(t: Tables, ns: string): Set<string> {
  const pending: string[] = [];
  for (const image of inNamespace(t.images, ns)) pending.push(image.target.digest, ...contentRefs(image.labels));
  for (const lease of inNamespace(t.leases, ns)) {
    for (const r of lease.resources) if (r.type === 'content') pending.push(r.id);
  }
  for (const c of inNamespace(t.content, ns)) if (c.labels[GC_ROOT] !== undefined) pending.push(c.digest);
  const marked = new Set<string>();
  while (pending.length) {
    const digest = pending.pop()!;
    if (marked.has(digest)) continue;
    marked.add(digest);
    const record = t.content.get(scopedKey(ns, digest));
    if (record) pending.push(...contentRefs(record.labels));
  }
  return marked;
}

/** Deletes leases whose gc.expire time has passed, like a crashed client's import lease. */
function dropExpiredLeases(t: Tables, ns: string, now: number): void {
  for (const lease of [...inNamespace(t.leases, ns)]) {
    const expires = lease.labels[GC_EXPIRE] ? Date.parse(lease.labels[GC_EXPIRE]) : NaN;
    if (!Number.isNaN(expires) && expires <= now) t.leases.removeSync(scopedKey(ns, lease.id));
  }
}

/**
 * Removes expired leases and unreachable content records; returns the digests, among those removed and the
 * caller's candidates (blobs whose record it just deleted), that no namespace holds any more.
 */
export function collectGarbage(t: Tables, candidates: string[] = [], now = Date.now()): string[] {
  const namespaces = [...t.namespaces.getKeys()];
  const removed = new Set<string>(candidates);
  for (const ns of namespaces) {
    dropExpiredLeases(t, ns, now);
    const marked = markNamespace(t, ns);
    const unreachable: ContentRecord[] = [...inNamespace(t.content, ns)].filter((c) => !marked.has(c.digest));
    for (const c of unreachable) {
      t.content.removeSync(scopedKey(ns, c.digest));
      removed.add(c.digest);
    }
  }
  return [...removed].filter((d) => !namespaces.some((ns) => t.content.get(scopedKey(ns, d))));
}

/** Every digest some namespace holds: blobs outside this set are orphans of a crash. */
export function referencedBlobs(t: Tables): Set<string> {
  const digests = new Set<string>();
  for (const { value } of t.content.getRange()) digests.add(value.digest);
  return digests;
}
