// containerd.services.diff.v1.Diff as plain async handlers over proto-loader-shaped requests
// (see src/daemon/snapshots/service.ts for the conventions). Apply reads the layer blob from the
// content store and unpacks it onto the given mounts; Diff turns the difference between two mounts
// into a tar+gzip layer written to the content store.

import { RuntsError, invalid } from '../../foundation/errors';
import { applyLayerToMounts } from '../../diff/apply-mounts';
import { withChanges } from '../../diff/diff-mounts';
import { Compression } from '../../diff/compression';
import { isLayerMediaType, OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP, OCI_LAYER_TAR_ZSTD } from '../../diff/media-types';
import { writeLayer } from '../../diff/write-layer';
import { Mount } from '../../snapshots/types';
import type { CallContext, MountMessage } from '../snapshots/service';

export interface DescriptorMessage {
  media_type: string;
  digest: string;
  size: number | string;
  annotations?: Record<string, string>;
}

export interface DiffContentStore {
  /** The bytes of a committed blob (digest-verified by the store); throws not-found. */
  read(namespace: string, digest: string): AsyncIterable<Buffer>;
  /**
   * Stores a new blob under ingest reference `ref`, consuming `data`; `labels` is called once the
   * data is consumed, just before the commit (some labels depend on the data).
   */
  write(namespace: string, ref: string, data: AsyncIterable<Buffer>, labels: () => Record<string, string>): Promise<{ digest: string; size: number }>;
}

/** Layer media types Diff can produce, and how each is compressed. */
const DIFF_OUTPUTS: Record<string, Compression> = {
  [OCI_LAYER_TAR]: 'none',
  [OCI_LAYER_TAR_GZIP]: 'gzip',
  [OCI_LAYER_TAR_ZSTD]: 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
};

const UNCOMPRESSED_LABEL = 'containerd.io/uncompressed';

export interface DiffServiceDeps {
  content: DiffContentStore;
}

function toMounts(messages: MountMessage[] | undefined): Mount[] {
  return (messages ?? []).map((m) => ({ type: m.type, source: m.source, target: m.target || undefined, options: m.options ?? [] }));
}

export function diffService(deps: DiffServiceDeps) {
  return {
    async Apply(req: { diff?: DescriptorMessage | null; mounts?: MountMessage[]; payloads?: Record<string, unknown> }, ctx: CallContext) {
      const desc = req.diff;
      if (!desc || !desc.digest) throw invalid('apply: the layer descriptor is missing');
      if (!isLayerMediaType(desc.media_type)) {
        throw new RuntsError(`apply: media type ${JSON.stringify(desc.media_type)} of ${desc.digest} is not a layer this daemon can unpack`, 'unsupported');
      }
      const result = await applyLayerToMounts(toMounts(req.mounts), deps.content.read(ctx.namespace, desc.digest), {
        expectedDigest: desc.digest,
      });
      return { applied: { media_type: OCI_LAYER_TAR, digest: result.diffId, size: result.size, annotations: {} } };
    },

    async Diff(req: { left?: MountMessage[]; right?: MountMessage[]; media_type?: string; ref?: string; labels?: Record<string, string> }, ctx: CallContext) {
      const mediaType = req.media_type || OCI_LAYER_TAR_GZIP;
      const compression = DIFF_OUTPUTS[mediaType];
      if (compression === undefined) throw new RuntsError(`diff: cannot produce layers of media type ${JSON.stringify(mediaType)}`, 'unsupported');
      const ref = req.ref || `runts-diff-${process.pid}-${Date.now()}`;
      return withChanges(toMounts(req.left), toMounts(req.right), async (changes) => {
        const layer = writeLayer(changes, compression);
        const labels = () => {
          const { diffId } = layer.result();
          return compression === 'none' ? { ...req.labels } : { ...req.labels, [UNCOMPRESSED_LABEL]: diffId };
        };
        const stored = await deps.content.write(ctx.namespace, ref, layer.stream, labels);
        return { diff: { media_type: mediaType, digest: stored.digest, size: stored.size, annotations: {} } };
      });
    },
  };
}

export type DiffHandlers = ReturnType<typeof diffService>;
