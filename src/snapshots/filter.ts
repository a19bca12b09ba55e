// Filters for listing snapshots, in containerd's filter syntax (src/foundation/filters.ts).
// Fields: name, parent, kind, labels.<key>; name and parent are always present.
import { parseFilters } from '../foundation/filters';
import { SnapshotInfo } from './types';

function fieldValue(info: SnapshotInfo, field: string[]): string | undefined {
  switch (field[0]) {
    case 'name':
      return field.length === 1 ? info.name : undefined;
    case 'parent':
      return field.length === 1 ? info.parent : undefined;
    case 'kind':
      return field.length === 1 ? info.kind : undefined;
    case 'labels':
      return field.length > 1 ? info.labels[field.slice(1).join('.')] : undefined;
    default:
      return undefined;
  }
}

/** A predicate for the given filters (any of them); throws one clear error on a bad filter. */
export function snapshotFilter(filters: string[] | undefined): (info: SnapshotInfo) => boolean {
  return parseFilters(filters ?? [], fieldValue);
}
