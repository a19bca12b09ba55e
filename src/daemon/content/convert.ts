import { ContentRecord } from '../../metadata/store';
import { IngestStatus } from '../../content/ingest';
import { toTimestamp } from '../convert';

export const infoToWire = (c: ContentRecord) => ({
  digest: c.digest,
  size: c.size,
  created_at: toTimestamp(c.createdAt),
  updated_at: toTimestamp(c.updatedAt),
  labels: c.labels,
});

export const statusToWire = (s: IngestStatus) => ({
  started_at: toTimestamp(s.startedAt),
  updated_at: toTimestamp(s.updatedAt),
  ref: s.ref,
  offset: s.offset,
  total: s.total,
  expected: s.expected,
});
