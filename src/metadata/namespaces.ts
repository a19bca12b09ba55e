// Namespace records. As in containerd, a namespace comes into being on first use: created
// explicitly, or once anything is stored in it or a label is set on it. One never used reads as
// a namespace without labels. It can only be deleted when it holds no images, content,
// containers or snapshots; its leases go with it.
import { RuntsError, invalid, notFound } from '../foundation/errors';
import { Tables, inNamespace, scopedKey } from './store';
import { validateIdentifier } from './identifiers';
import { applyLabelPath, cleanLabels, validateLabels } from './labels';

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

export function getNamespace(t: Tables, name: string): Namespace {
  const record = t.namespaces.get(name);
  if (!record) throw notFound(`namespace "${name}" not found`);
  return { name, labels: record.labels };
}

/** A namespace's labels; a namespace never used has none (containerd's Namespaces.Get). */
export function namespaceLabels(t: Tables, name: string): Namespace {
  validateIdentifier('namespace', name);
  return { name, labels: t.namespaces.get(name)?.labels ?? {} };
}

export function listNamespaces(t: Tables): Namespace[] {
  return [...t.namespaces.getRange()].map(({ key, value }) => ({ name: key, labels: value.labels }));
}

export function createNamespace(t: Tables, name: string, labels: Record<string, string>): Namespace {
  validateIdentifier('namespace', name);
  validateLabels(labels);
  if (t.namespaces.get(name)) throw new RuntsError(`namespace "${name}" already exists`, 'exists');
  const record = { labels: cleanLabels(labels) };
  t.namespaces.putSync(name, record);
  return { name, ...record };
}

export function hasNamespace(t: Tables, name: string): boolean {
  return t.namespaces.get(name) !== undefined;
}

/** Creates the namespace implicitly the first time something is stored in it. */
export function ensureNamespace(t: Tables, name: string): void {
  validateIdentifier('namespace', name);
  if (!hasNamespace(t, name)) t.namespaces.putSync(name, { labels: {} });
}

export function updateNamespace(
  t: Tables,
  next: Namespace,
  maskPaths: string[],
): Namespace {
  validateIdentifier('namespace', next.name);
  const existing = t.namespaces.get(next.name);
  let labels = existing?.labels ?? {};
  const paths = maskPaths.length ? maskPaths : ['labels'];
  for (const p of paths) {
    const updated = applyLabelPath(labels, next.labels, p);
    if (!updated) throw invalid(`cannot update field "${p}" of namespace "${next.name}": only labels can change`);
    labels = updated;
  }
  validateLabels(labels);
  // containerd's SetLabel creates the namespace; replacing no labels with none sets nothing.
  const setsLabels = maskPaths.length > 0 || Object.keys(next.labels).length > 0;
  if (existing || setsLabels) t.namespaces.putSync(next.name, { labels });
  return { name: next.name, labels };
}

export function deleteNamespace(t: Tables, name: string): void {
  getNamespace(t, name);
  for (const [kind, table] of t.scoped) {
    if (table === t.leases) continue;
    for (const _ of inNamespace(table, name)) {
      throw new RuntsError(`namespace "${name}" must be empty, but it still has ${kind}`, 'state');
    }
  }
  for (const lease of [...inNamespace(t.leases, name)]) t.leases.removeSync(scopedKey(name, lease.id));
  t.namespaces.removeSync(name);
}
