// Wire shapes <-> metadata records: timestamps, descriptors, field masks.
import { DescriptorRecord } from '../metadata/store';

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export const toTimestamp = (ms: number): Timestamp =>
  ({ seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) });

export interface WireDescriptor {
  media_type: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

export const descriptorFromWire = (d: WireDescriptor | null | undefined): DescriptorRecord => ({
  mediaType: d?.media_type ?? '',
  digest: d?.digest ?? '',
  size: Number(d?.size ?? 0),
  annotations: { ...(d?.annotations ?? {}) },
});

export const descriptorToWire = (d: DescriptorRecord): WireDescriptor =>
  ({ media_type: d.mediaType, digest: d.digest, size: d.size, annotations: d.annotations });

export const maskPaths = (mask: { paths?: string[] } | null | undefined): string[] => mask?.paths ?? [];
