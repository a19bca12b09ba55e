// Content records: which blobs a namespace holds, with their labels. The bytes live in the
// content store (src/content); a record is added in the same transaction that makes the blob
// visible to the namespace.
import { RuntsError, invalid, notFound } from '../foundation/errors';
import { ContentRecord, Tables, inNamespace, scopedKey } from './store';
import { ensureNamespace } from './namespaces';
import { validateDigest } from './identifiers';
import { applyLabelPath, cleanLabels, validateLabels } from './labels';
import { addLeaseResource } from './leases';
import { FieldLookup, labelField } from '../foundation/filters';

export function getContent(t: Tables, ns: string, digest: string): ContentRecord {
  validateDigest(digest);
  const record = t.content.get(scopedKey(ns, digest));
  if (!record) throw notFound(`content ${digest} not found in namespace "${ns}"`);
  return record;
}

export function hasContent(t: Tables, ns: string, digest: string): boolean {
  return t.content.get(scopedKey(ns, digest)) !== undefined;
}

export function listContent(t: Tables, ns: string): ContentRecord[] {
  return [...inNamespace(t.content, ns)];
}

/** Records a committed blob in a namespace, and in the caller's lease when there is one. */
export function addContent(
  t: Tables,
  ns: string,
  blob: { digest: string; size: number; labels: Record<string, string> },
  lease?: string,
): ContentRecord {
  ensureNamespace(t, ns);
  validateLabels(blob.labels);
  const key = scopedKey(ns, blob.digest);
  if (t.content.get(key)) throw new RuntsError(`content ${blob.digest} already exists in namespace "${ns}"`, 'exists');
  const now = Date.now();
  const record = { digest: blob.digest, size: blob.size, labels: cleanLabels(blob.labels), createdAt: now, updatedAt: now };
  if (lease) addLeaseResource(t, ns, lease, { type: 'content', id: blob.digest });
  t.content.putSync(key, record);
  return record;
}

export function updateContent(
  t: Tables,
  ns: string,
  next: { digest: string; labels: Record<string, string> },
  maskPaths: string[],
): ContentRecord {
  const current = getContent(t, ns, next.digest);
  let labels = current.labels;
  const paths = maskPaths.length ? maskPaths : ['labels'];
  for (const p of paths) {
    const updated = applyLabelPath(labels, next.labels, p);
    if (!updated) throw invalid(`cannot update field "${p}" of content ${next.digest}: only labels can change`);
    labels = updated;
  }
  validateLabels(labels);
  const record = { ...current, labels, updatedAt: Date.now() };
  t.content.putSync(scopedKey(ns, next.digest), record);
  return record;
}

export function deleteContent(t: Tables, ns: string, digest: string): void {
  getContent(t, ns, digest);
  t.content.removeSync(scopedKey(ns, digest));
}

export const contentField: FieldLookup<ContentRecord> = (c, fieldPath) => {
  switch (fieldPath[0]) {
    case 'digest': return c.digest;
    case 'size': return String(c.size);
    case 'labels': return labelField(c.labels, fieldPath);
    default: return undefined;
  }
};
