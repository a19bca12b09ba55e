// Namespace records. A namespace exists once created explicitly or once anything is stored in
// it; it can only be deleted when it holds nothing.
import { RuntsError, invalid, notFound } from '../runtime/errors';
import { Tables, inNamespace } from './store';
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

/** Creates the namespace implicitly the first time something is stored in it. */
export function ensureNamespace(t: Tables, name: string): void {
  validateIdentifier('namespace', name);
  if (!t.namespaces.get(name)) t.namespaces.putSync(name, { labels: {} });
}

export function updateNamespace(
  t: Tables,
  next: Namespace,
  maskPaths: string[],
): Namespace {
  const current = getNamespace(t, next.name);
  let labels = current.labels;
  const paths = maskPaths.length ? maskPaths : ['labels'];
  for (const p of paths) {
    const updated = applyLabelPath(labels, next.labels, p);
    if (!updated) throw invalid(`cannot update field "${p}" of namespace "${next.name}": only labels can change`);
    labels = updated;
  }
  validateLabels(labels);
  t.namespaces.putSync(next.name, { labels });
  return { name: next.name, labels };
}

export function deleteNamespace(t: Tables, name: string): void {
  getNamespace(t, name);
  for (const [kind, table] of t.scoped) {
    for (const _ of inNamespace(table, name)) {
      throw new RuntsError(`namespace "${name}" must be empty, but it still has ${kind}`, 'state');
    }
  }
  t.namespaces.removeSync(name);
}
