// Garbage collection of snapshots, run after each metadata collection: a snapshot stays while
// a surviving content record (an unpacked image's config) or image labels it
// containerd.io/gc.ref.snapshot.<snapshotter>, a lease holds it (snapshots/<snapshotter>), a
// root source names it, it is labelled containerd.io/gc.root, or a kept snapshot builds on it.
import { MetadataStore, Tables, inNamespace } from '../../metadata/store';
import { GcRootSource } from '../../metadata/gc';
import { Snapshotter, SnapshotInfo } from '../../snapshots';
import { Logger } from '../log';

const GC_ROOT = 'containerd.io/gc.root';

/** Backend keys ("<namespace>/<key>") something still references, for one snapshotter. */
function referencedKeys(t: Tables, name: string, rootSources: GcRootSource[]): Set<string> {
  const type = `snapshots/${name}`;
  const labelPrefix = `containerd.io/gc.ref.snapshot.${name}`;
  const keys = new Set<string>();
  for (const ns of t.namespaces.getKeys()) {
    const add = (key: string) => keys.add(`${ns}/${key}`);
    const fromLabels = (labels: Record<string, string>) => {
      for (const [k, v] of Object.entries(labels)) if (k.startsWith(labelPrefix)) add(v);
    };
    for (const c of inNamespace(t.content, ns)) fromLabels(c.labels);
    for (const image of inNamespace(t.images, ns)) fromLabels(image.labels);
    for (const lease of inNamespace(t.leases, ns)) for (const r of lease.resources) if (r.type === type) add(r.id);
    for (const source of rootSources) for (const r of source(t, ns)) if (r.type === type) add(r.id);
  }
  return keys;
}

export async function sweepSnapshots(
  metadata: MetadataStore,
  snapshotters: Record<string, Snapshotter>,
  rootSources: GcRootSource[],
  log: Logger,
): Promise<void> {
  for (const [name, snapshotter] of Object.entries(snapshotters)) {
    const all = await snapshotter.list();
    if (all.length === 0) continue;
    const byKey = new Map(all.map((s) => [s.name, s]));
    const pending = [...metadata.view((t) => referencedKeys(t, name, rootSources))];
    for (const s of all) if (s.labels[GC_ROOT] !== undefined) pending.push(s.name);
    const kept = new Set<string>();
    while (pending.length) {
      const key = pending.pop()!;
      if (kept.has(key)) continue;
      kept.add(key);
      const parent = byKey.get(key)?.parent;
      if (parent) pending.push(parent);
    }
    // Children first: a snapshotter refuses to remove a parent.
    let unreferenced: SnapshotInfo[] = all.filter((s) => !kept.has(s.name));
    while (unreferenced.length) {
      const leaves = unreferenced.filter((s) => !unreferenced.some((o) => o.parent === s.name));
      if (leaves.length === 0) break;
      for (const leaf of leaves) {
        try {
          await snapshotter.remove(leaf.name);
          log.debug('garbage collected snapshot', { snapshotter: name, key: leaf.name });
        } catch (err) {
          log.warn('could not remove unreferenced snapshot', { snapshotter: name, key: leaf.name, error: String(err) });
        }
      }
      unreferenced = unreferenced.filter((s) => !leaves.includes(s));
    }
  }
}
