// Container records (containerd's metadata rules): a spec, a runtime and a snapshot, with labels
// and extensions. A container is a GC root: its snapshot and its gc.ref labels stay alive.
import { RuntsError, invalid, notFound } from '../foundation/errors';
import { AnyRecord, ContainerRecord, Tables, inNamespace, scopedKey } from './store';
import { ensureNamespace } from './namespaces';
import { validateIdentifier } from './identifiers';
import { applyLabelPath, cleanLabels, validateLabels } from './labels';
import { FieldLookup, labelField } from '../foundation/filters';
import { GcRootSource } from './gc';

export type ContainerInput = Omit<ContainerRecord, 'createdAt' | 'updatedAt'>;

const CONTENT_REF_PREFIX = 'containerd.io/gc.ref.content';
const SNAPSHOT_REF_PREFIX = 'containerd.io/gc.ref.snapshot.';

function validateContainer(c: ContainerInput): void {
  validateIdentifier('container id', c.id);
  validateLabels(c.labels);
  for (const [key, value] of Object.entries(c.extensions)) {
    if (!key) throw invalid(`container "${c.id}": extension key must not be empty`);
    if (!value.typeUrl) throw invalid(`container "${c.id}": extension "${key}" has no type url`);
  }
  if (!c.runtime.name) throw invalid(`container "${c.id}": runtime name must be set`);
  if (!c.spec) throw invalid(`container "${c.id}": spec must be set`);
  if (c.snapshotKey && !c.snapshotter) throw invalid(`container "${c.id}": snapshotter must be set with a snapshot key`);
}

export function getContainer(t: Tables, ns: string, id: string): ContainerRecord {
  const record = id ? t.containers.get(scopedKey(ns, id)) : undefined;
  if (!record) throw notFound(`container "${id}" not found in namespace "${ns}"`);
  return record;
}

export function listContainers(t: Tables, ns: string): ContainerRecord[] {
  return [...inNamespace(t.containers, ns)];
}

export function createContainer(t: Tables, ns: string, container: ContainerInput): ContainerRecord {
  validateContainer(container);
  ensureNamespace(t, ns);
  const key = scopedKey(ns, container.id);
  if (t.containers.get(key)) throw new RuntsError(`container "${container.id}" already exists in namespace "${ns}"`, 'exists');
  const now = Date.now();
  const record = { ...container, labels: cleanLabels(container.labels), createdAt: now, updatedAt: now };
  t.containers.putSync(key, record);
  return record;
}

function applyExtensionPath(current: Record<string, AnyRecord>, next: Record<string, AnyRecord>, maskPath: string) {
  if (maskPath === 'extensions') return { ...next };
  const key = maskPath.slice('extensions.'.length);
  const updated = { ...current };
  if (next[key]) updated[key] = next[key];
  else delete updated[key];
  return updated;
}

/**
 * Mask paths: labels[.k], extensions[.k], spec, image, snapshotkey. No mask replaces all of
 * those; runtime name and snapshotter never change.
 */
export function updateContainer(t: Tables, ns: string, next: ContainerInput, maskPaths: string[]): ContainerRecord {
  if (!next.id) throw invalid('container id must not be empty');
  const current = getContainer(t, ns, next.id);
  const updated: ContainerRecord = { ...current, updatedAt: Date.now() };
  let paths = maskPaths;
  if (paths.length === 0) {
    if (next.runtime.name !== current.runtime.name) throw invalid(`container "${next.id}": runtime name cannot be changed`);
    if (next.snapshotter !== current.snapshotter) throw invalid(`container "${next.id}": snapshotter cannot be changed`);
    paths = ['labels', 'spec', 'extensions', 'image', 'snapshotkey'];
  }
  for (const p of paths) {
    const labels = applyLabelPath(updated.labels, next.labels, p);
    if (labels) updated.labels = labels;
    else if (p === 'extensions' || p.startsWith('extensions.')) updated.extensions = applyExtensionPath(updated.extensions, next.extensions, p);
    else if (p === 'spec') updated.spec = next.spec;
    else if (p === 'image') updated.image = next.image;
    else if (p === 'snapshotkey') updated.snapshotKey = next.snapshotKey;
    else throw invalid(`cannot update field "${p}" of container "${next.id}"`);
  }
  validateContainer(updated);
  t.containers.putSync(scopedKey(ns, next.id), updated);
  return updated;
}

export function deleteContainer(t: Tables, ns: string, id: string): void {
  getContainer(t, ns, id);
  t.containers.removeSync(scopedKey(ns, id));
}

export const containerField: FieldLookup<ContainerRecord> = (c, fieldPath) => {
  switch (fieldPath[0]) {
    case 'id': return c.id;
    case 'image': return c.image;
    case 'runtime': return fieldPath[1] === 'name' ? c.runtime.name : undefined;
    case 'snapshotter': return c.snapshotter;
    case 'snapshotkey': return c.snapshotKey;
    case 'labels': return labelField(c.labels, fieldPath);
    default: return undefined;
  }
};

/** What a container keeps alive: its snapshot and what its labels reference. */
export const containerGcRoots: GcRootSource = (t, ns) => {
  const roots: { type: string; id: string }[] = [];
  for (const c of inNamespace(t.containers, ns)) {
    if (c.snapshotKey) roots.push({ type: `snapshots/${c.snapshotter}`, id: c.snapshotKey });
    for (const [key, value] of Object.entries(c.labels)) {
      if (key.startsWith(CONTENT_REF_PREFIX)) roots.push({ type: 'content', id: value });
      else if (key.startsWith(SNAPSHOT_REF_PREFIX)) {
        roots.push({ type: `snapshots/${key.slice(SNAPSHOT_REF_PREFIX.length).split('/')[0]}`, id: value });
      }
    }
  }
  return roots;
};
