// Garbage collection as containerd does it: per namespace, mark everything reachable from the
// roots (image targets, lease resources, anything labelled containerd.io/gc.root, and what
// registered root sources name) through containerd.io/gc.ref.* labels, then drop the rest.
// Content is built in; other services add their resources (snapshots...) as GcKinds.
// Runs inside one metadata transaction; the caller frees blobs and resources afterwards.
import { Tables, inNamespace, scopedKey } from './store';

const GC_ROOT = 'containerd.io/gc.root';
/** RFC 3339 time after which a lease no longer protects anything (ctr sets 24h on its leases). */
const GC_EXPIRE = 'containerd.io/gc.expire';
const CONTENT = 'content';
const CONTENT_REF_PREFIX = 'containerd.io/gc.ref.content';

/** A resource as GC sees it: its labels and the ids of the same kind it needs (a parent). */
export interface GcNode {
  id: string;
  labels: Record<string, string>;
  refs: string[];
}

/** Another kind of collectable resource, registered by the service that owns it. */
export interface GcKind {
  /** Lease resource type, e.g. "snapshots/overlayfs". */
  type: string;
  /** Label prefix that references it, e.g. "containerd.io/gc.ref.snapshot.overlayfs". */
  refLabelPrefix: string;
  list(t: Tables, ns: string): GcNode[];
  /** Deletes the unreachable resources' records, inside the GC transaction. */
  remove(t: Tables, ns: string, ids: string[]): void;
}

/** Resources that are always in use, e.g. a container's snapshot: {type, id} pairs. */
export type GcRootSource = (t: Tables, ns: string) => { type: string; id: string }[];

export interface GcOptions {
  /** Digests whose records the caller just removed: their blobs go too if now unreferenced. */
  candidates?: string[];
  kinds?: GcKind[];
  rootSources?: GcRootSource[];
  now?: number;
}

export interface GcResult {
  /** Blobs no namespace holds any more: unlink them after the transaction. */
  blobs: string[];
  /** Resources removed from the records: free them after the transaction. */
  removed: { type: string; namespace: string; id: string }[];
}

const nodeKey = (type: string, id: string) => `${type}\u0000${id}`;

function labelRefs(labels: Record<string, string>, kinds: GcKind[]): { type: string; id: string }[] {
  const refs: { type: string; id: string }[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(CONTENT_REF_PREFIX)) refs.push({ type: CONTENT, id: value });
    for (const kind of kinds) if (key.startsWith(kind.refLabelPrefix)) refs.push({ type: kind.type, id: value });
  }
  return refs;
}

/** Deletes leases whose gc.expire time has passed, like a crashed client's import lease. */
function dropExpiredLeases(t: Tables, ns: string, now: number): void {
  for (const lease of [...inNamespace(t.leases, ns)]) {
    const expires = lease.labels[GC_EXPIRE] ? Date.parse(lease.labels[GC_EXPIRE]) : NaN;
    if (!Number.isNaN(expires) && expires <= now) t.leases.removeSync(scopedKey(ns, lease.id));
  }
}

function collectNamespace(t: Tables, ns: string, opts: Required<GcOptions>, result: GcResult, removedDigests: Set<string>) {
  const { kinds, rootSources } = opts;
  const nodes = new Map<string, GcNode & { type: string }>();
  for (const c of inNamespace(t.content, ns)) nodes.set(nodeKey(CONTENT, c.digest), { type: CONTENT, id: c.digest, labels: c.labels, refs: [] });
  for (const kind of kinds) {
    for (const n of kind.list(t, ns)) nodes.set(nodeKey(kind.type, n.id), { ...n, type: kind.type });
  }

  const pending: { type: string; id: string }[] = [];
  for (const image of inNamespace(t.images, ns)) {
    pending.push({ type: CONTENT, id: image.target.digest }, ...labelRefs(image.labels, kinds));
  }
  for (const lease of inNamespace(t.leases, ns)) pending.push(...lease.resources);
  for (const source of rootSources) pending.push(...source(t, ns));
  for (const n of nodes.values()) if (n.labels[GC_ROOT] !== undefined) pending.push(n);

  const marked = new Set<string>();
  while (pending.length) {
    const { type, id } = pending.pop()!;
    const key = nodeKey(type, id);
    if (marked.has(key)) continue;
    marked.add(key);
    const node = nodes.get(key);
    if (!node) continue;
    pending.push(...labelRefs(node.labels, kinds), ...node.refs.map((ref) => ({ type, id: ref })));
  }

  for (const n of nodes.values()) {
    if (marked.has(nodeKey(n.type, n.id))) continue;
    if (n.type === CONTENT) {
      t.content.removeSync(scopedKey(ns, n.id));
      removedDigests.add(n.id);
    } else {
      result.removed.push({ type: n.type, namespace: ns, id: n.id });
    }
  }
  for (const kind of kinds) {
    const ids = result.removed.filter((r) => r.namespace === ns && r.type === kind.type).map((r) => r.id);
    if (ids.length) kind.remove(t, ns, ids);
  }
}

export function collectGarbage(t: Tables, options: GcOptions = {}): GcResult {
  const opts: Required<GcOptions> = { candidates: [], kinds: [], rootSources: [], now: Date.now(), ...options };
  const namespaces = [...t.namespaces.getKeys()];
  const result: GcResult = { blobs: [], removed: [] };
  const removedDigests = new Set<string>(opts.candidates);
  for (const ns of namespaces) {
    dropExpiredLeases(t, ns, opts.now);
    collectNamespace(t, ns, opts, result, removedDigests);
  }
  result.blobs = [...removedDigests].filter((d) => !namespaces.some((ns) => t.content.get(scopedKey(ns, d))));
  return result;
}

/** Every digest some namespace holds: blobs outside this set are orphans of a crash. */
export function referencedBlobs(t: Tables): Set<string> {
  const digests = new Set<string>();
  for (const { value } of t.content.getRange()) digests.add(value.digest);
  return digests;
}
