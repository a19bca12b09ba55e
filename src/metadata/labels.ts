// Label and field-mask handling shared by namespaces, images and content (containerd's rules).
import { invalid } from '../foundation/errors';

const MAX_LABEL_SIZE = 4096;

export function validateLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!key) throw invalid('label key must not be empty');
    if (key.length + value.length > MAX_LABEL_SIZE) {
      throw invalid(`label "${key}" is longer than ${MAX_LABEL_SIZE} bytes (key and value together)`);
    }
  }
}

/** Drops empty values: containerd treats a label set to "" as removed. */
export function cleanLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([, v]) => v !== ''));
}

/**
 * Applies `labels` or `labels.<key>` mask paths from `next` onto `current`; returns true when
 * the path was a label path. A `labels.<key>` absent from next removes the label.
 */
export function applyLabelPath(
  current: Record<string, string>,
  next: Record<string, string>,
  maskPath: string,
): Record<string, string> | undefined {
  if (maskPath === 'labels') return cleanLabels(next);
  if (!maskPath.startsWith('labels.')) return undefined;
  const key = maskPath.slice('labels.'.length);
  const updated = { ...current };
  if (next[key]) updated[key] = next[key];
  else delete updated[key];
  return updated;
}
