// containerd.services.snapshots.v1.Snapshots as plain async handlers over request objects in
// proto-loader shape (keepCase field names). runtsd wires them to gRPC: unary handlers return the
// response object, List returns the stream's messages; errors are RuntsErrors whose kind maps to
// a gRPC status (not-found -> NOT_FOUND, exists -> ALREADY_EXISTS, state -> FAILED_PRECONDITION,
// invalid -> INVALID_ARGUMENT, unsupported -> UNIMPLEMENTED).

import { RuntsError } from '../../foundation/errors';
import { Mount, SnapshotInfo, SnapshotKind, Snapshotter } from '../../snapshots/types';
import { NamespacedSnapshotter } from './namespaced';

export interface SnapshotsServiceDeps {
  snapshotters: Record<string, Snapshotter>;
  /** used when a request leaves `snapshotter` empty (containerd: "overlayfs") */
  defaultSnapshotter: string;
}

/** What the gRPC layer knows about the call. */
export interface CallContext {
  namespace: string;
}

type Labels = Record<string, string>;
interface Timestamp { seconds: number; nanos: number }
export interface MountMessage { type: string; source: string; target: string; options: string[] }
export interface InfoMessage {
  name: string;
  parent: string;
  kind: 'ACTIVE' | 'VIEW' | 'COMMITTED';
  created_at: Timestamp;
  updated_at: Timestamp;
  labels: Labels;
}

const KIND_NAMES: Record<SnapshotKind, InfoMessage['kind']> = { active: 'ACTIVE', view: 'VIEW', committed: 'COMMITTED' };

/** google.protobuf.Timestamp of a Date. */
export function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

export function toMountMessages(mounts: Mount[]): MountMessage[] {
  return mounts.map((m) => ({ type: m.type, source: m.source, target: m.target ?? '', options: [...m.options] }));
}

export function toInfoMessage(info: SnapshotInfo): InfoMessage {
  return {
    name: info.name,
    parent: info.parent,
    kind: KIND_NAMES[info.kind],
    created_at: toTimestamp(info.created),
    updated_at: toTimestamp(info.updated),
    labels: info.labels,
  };
}

/** containerd sends List results in batches rather than one message per snapshot. */
const LIST_BATCH = 100;

export function snapshotsService(deps: SnapshotsServiceDeps) {
  const pick = (name: string | undefined, ctx: CallContext): NamespacedSnapshotter => {
    const chosen = name || deps.defaultSnapshotter;
    const snapshotter = deps.snapshotters[chosen];
    if (!snapshotter) {
      throw new RuntsError(`snapshotter ${JSON.stringify(chosen)} is not available (have: ${Object.keys(deps.snapshotters).join(', ')})`, 'not-found');
    }
    return new NamespacedSnapshotter(snapshotter, ctx.namespace);
  };

  return {
    async Prepare(req: { snapshotter?: string; key: string; parent?: string; labels?: Labels }, ctx: CallContext) {
      return { mounts: toMountMessages(await pick(req.snapshotter, ctx).prepare(req.key, req.parent ?? '', req.labels ?? {})) };
    },
    async View(req: { snapshotter?: string; key: string; parent?: string; labels?: Labels }, ctx: CallContext) {
      return { mounts: toMountMessages(await pick(req.snapshotter, ctx).view(req.key, req.parent ?? '', req.labels ?? {})) };
    },
    async Mounts(req: { snapshotter?: string; key: string }, ctx: CallContext) {
      return { mounts: toMountMessages(await pick(req.snapshotter, ctx).mounts(req.key)) };
    },
    async Commit(req: { snapshotter?: string; name: string; key: string; labels?: Labels }, ctx: CallContext) {
      await pick(req.snapshotter, ctx).commit(req.name, req.key, req.labels ?? {});
      return {};
    },
    async Remove(req: { snapshotter?: string; key: string }, ctx: CallContext) {
      await pick(req.snapshotter, ctx).remove(req.key);
      return {};
    },
    async Stat(req: { snapshotter?: string; key: string }, ctx: CallContext) {
      return { info: toInfoMessage(await pick(req.snapshotter, ctx).stat(req.key)) };
    },
    async Update(req: { snapshotter?: string; info?: { name?: string; labels?: Labels }; update_mask?: { paths?: string[] } | null }, ctx: CallContext) {
      const name = req.info?.name ?? '';
      const info = await pick(req.snapshotter, ctx).update({ name, labels: req.info?.labels ?? {} }, req.update_mask?.paths ?? []);
      return { info: toInfoMessage(info) };
    },
    async List(req: { snapshotter?: string; filters?: string[] }, ctx: CallContext) {
      const infos = (await pick(req.snapshotter, ctx).list(req.filters ?? [])).map(toInfoMessage);
      const batches: Array<{ info: InfoMessage[] }> = [];
      for (let i = 0; i < infos.length; i += LIST_BATCH) batches.push({ info: infos.slice(i, i + LIST_BATCH) });
      return batches;
    },
    async Usage(req: { snapshotter?: string; key: string }, ctx: CallContext) {
      return pick(req.snapshotter, ctx).usage(req.key);
    },
    async Cleanup(req: { snapshotter?: string }, ctx: CallContext) {
      await pick(req.snapshotter, ctx).cleanup();
      return {};
    },
  };
}

export type SnapshotsHandlers = ReturnType<typeof snapshotsService>;
