// Image records: a name pointing at a root descriptor in the content store.
import { RuntsError, invalid, notFound } from '../foundation/errors';
import { DescriptorRecord, ImageRecord, Tables, inNamespace, scopedKey } from './store';
import { ensureNamespace } from './namespaces';
import { validateDigest } from './identifiers';
import { applyLabelPath, cleanLabels, validateLabels } from './labels';
import { FieldLookup, labelField } from '../foundation/filters';

export interface ImageInput {
  name: string;
  labels: Record<string, string>;
  target: DescriptorRecord;
}

function validateImage(image: ImageInput): void {
  if (!image.name) throw invalid('image name must not be empty');
  if (!image.target.mediaType) throw invalid(`image "${image.name}": target media type must not be empty`);
  try {
    validateDigest(image.target.digest);
  } catch (err) {
    throw invalid(`image "${image.name}": target ${(err as Error).message}`);
  }
  validateLabels(image.labels);
}

export function getImage(t: Tables, ns: string, name: string): ImageRecord {
  const record = name ? t.images.get(scopedKey(ns, name)) : undefined;
  if (!record) throw notFound(`image "${name}" not found in namespace "${ns}"`);
  return record;
}

export function listImages(t: Tables, ns: string): ImageRecord[] {
  return [...inNamespace(t.images, ns)];
}

export function createImage(t: Tables, ns: string, image: ImageInput): ImageRecord {
  validateImage(image);
  ensureNamespace(t, ns);
  const key = scopedKey(ns, image.name);
  if (t.images.get(key)) throw new RuntsError(`image "${image.name}" already exists in namespace "${ns}"`, 'exists');
  const now = Date.now();
  const record = { ...image, labels: cleanLabels(image.labels), createdAt: now, updatedAt: now };
  t.images.putSync(key, record);
  return record;
}

/** Mask paths: labels, labels.<k>, target, annotations, annotations.<k>; none replaces both. */
export function updateImage(t: Tables, ns: string, next: ImageInput, maskPaths: string[]): ImageRecord {
  if (!next.name) throw invalid('image name must not be empty');
  const current = getImage(t, ns, next.name);
  const updated: ImageRecord = { ...current, target: { ...current.target }, updatedAt: Date.now() };
  if (maskPaths.length === 0) {
    updated.labels = cleanLabels(next.labels);
    updated.target = next.target;
  }
  for (const p of maskPaths) {
    const labels = applyLabelPath(updated.labels, next.labels, p);
    if (labels) updated.labels = labels;
    else if (p === 'target') updated.target = next.target;
    else if (p === 'annotations') updated.target.annotations = next.target.annotations;
    else if (p.startsWith('annotations.')) {
      const key = p.slice('annotations.'.length);
      const value = next.target.annotations[key];
      updated.target.annotations = { ...updated.target.annotations };
      if (value) updated.target.annotations[key] = value;
      else delete updated.target.annotations[key];
    } else {
      throw invalid(`cannot update field "${p}" of image "${next.name}"`);
    }
  }
  validateImage(updated);
  t.images.putSync(scopedKey(ns, next.name), updated);
  return updated;
}

export function deleteImage(t: Tables, ns: string, name: string): void {
  getImage(t, ns, name);
  t.images.removeSync(scopedKey(ns, name));
}

export const imageField: FieldLookup<ImageRecord> = (image, fieldPath) => {
  switch (fieldPath[0]) {
    case 'name': return image.name;
    case 'target':
      if (fieldPath[1] === 'digest') return image.target.digest;
      if (fieldPath[1] === 'mediatype') return image.target.mediaType;
      return undefined;
    case 'labels': return labelField(image.labels, fieldPath);
    default: return undefined;
  }
};
