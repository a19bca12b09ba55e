// What every gRPC service of runtsd gets: the dependency bag built once at start-up, and the
// helpers that turn a call into a namespace/lease and an error into a gRPC status.
import * as grpc from '@grpc/grpc-js';
import type { InProcessCalls } from './in-process';
import { RuntsError } from '../foundation/errors';
import { MetadataStore } from '../metadata/store';
import { validateIdentifier } from '../metadata/identifiers';
import { GcKind, GcRootSource, collectGarbage } from '../metadata/gc';
import { ContentStore } from '../content/store';
import { NoSpaceError, OffsetError, RefLockedError } from '../content/errors';
import { Logger } from './log';
import { Snapshotter } from '../snapshots/types';
import { DaemonConfig } from './config';
import { EventExchange } from './exchange';

export interface PluginInfo {
  type: string;
  id: string;
  requires: string[];
  capabilities: string[];
  exports: Record<string, string>;
}

export interface Deps {
  config: DaemonConfig;
  log: Logger;
  metadata: MetadataStore;
  content: ContentStore;
  /** This daemon's stable identity (Introspection.Server). */
  uuid: string;
  /** Where services publish what changed (/images/create, ...), as containerd does. */
  events: EventExchange;
  /** Every plugin the daemon runs, for Introspection.Plugins. */
  plugins: PluginInfo[];
  /**
   * Removes content nothing references any more (metadata first, then the blobs), then runs the
   * registered sweepers (snapshots). The synchronous part is done when this returns; the promise
   * settles when the sweepers are. candidates: digests whose records the caller just removed,
   * so their blobs go too if now unreferenced.
   */
  collectGarbage(candidates?: string[]): Promise<void>;
  /** Garbage collection of a service's own resources (snapshots...): see src/metadata/gc.ts. */
  gc: GcRegistry;
  /**
   * Checks for resources kept outside the metadata tables (snapshots): each answers what the
   * namespace still holds ("snapshots"), or undefined. A namespace in use cannot be deleted.
   */
  namespaceUsers: ((namespace: string) => Promise<string | undefined>)[];
  /** The snapshotters, once the snapshots service opened them (image unpacking uses them). */
  snapshotters?: { all: Record<string, Snapshotter>; defaultName: string };
  /** Every service's unary methods for callers inside the daemon (src/daemon/in-process.ts). */
  inProcess?: InProcessCalls;
}

export interface GcRegistry {
  /** kind: how to list and remove the records; free: releases removed resources after commit. */
  addKind(kind: GcKind, free: (removed: { namespace: string; id: string }[]) => void): void;
  /** Resources always in use (e.g. containers' snapshots). */
  addRootSource(source: GcRootSource): void;
  /** An asynchronous sweep after each collection, for stores outside the metadata (snapshots). */
  addSweeper(sweep: (rootSources: GcRootSource[]) => Promise<void>): void;
}

export function createGarbageCollector(metadata: MetadataStore, content: ContentStore, log: Logger) {
  const kinds: GcKind[] = [];
  const freers = new Map<string, (removed: { namespace: string; id: string }[]) => void>();
  const rootSources: GcRootSource[] = [];
  const sweepers: ((rootSources: GcRootSource[]) => Promise<void>)[] = [];
  const registry: GcRegistry = {
    addKind: (kind, free) => { kinds.push(kind); freers.set(kind.type, free); },
    addRootSource: (source) => { rootSources.push(source); },
    addSweeper: (sweep) => { sweepers.push(sweep); },
  };
  // Sweeps run one at a time: two concurrent ones would race to remove the same resources.
  let sweeping: Promise<void> = Promise.resolve();
  const collect = (candidates: string[] = []): Promise<void> => {
    // Both steps are synchronous, so no commit can slip between the sweep and the unlinks.
    const result = metadata.update((t) => collectGarbage(t, { candidates, kinds, rootSources }));
    for (const digest of result.blobs) content.deleteBlob(digest);
    for (const [type, free] of freers) {
      const removed = result.removed.filter((r) => r.type === type);
      if (removed.length) free(removed);
    }
    if (result.blobs.length || result.removed.length) {
      log.debug('garbage collected', { blobs: result.blobs.length, resources: result.removed.length });
    }
    sweeping = sweeping.then(async () => {
      for (const sweep of sweepers) await sweep(rootSources);
    }).catch((err) => log.error('garbage collection sweep failed', { error: String(err) }));
    return sweeping;
  };
  return { collect, registry };
}

export const NAMESPACE_HEADER = 'containerd-namespace';
export const LEASE_HEADER = 'containerd-lease';
export const DEFAULT_NAMESPACE = 'default';

type AnyCall = { metadata: grpc.Metadata };

function header(call: AnyCall, name: string): string | undefined {
  const values = call.metadata.get(name);
  return values.length ? String(values[0]) : undefined;
}

/** The namespace a call works in: its containerd-namespace header, or "default". */
export function namespaceOf(call: AnyCall): string {
  const ns = header(call, NAMESPACE_HEADER) ?? DEFAULT_NAMESPACE;
  validateIdentifier('namespace', ns);
  return ns;
}

/** The lease a call writes under (containerd-lease header), if any. */
export function leaseOf(call: AnyCall): string | undefined {
  return header(call, LEASE_HEADER) || undefined;
}

/** An error that already carries its gRPC status. */
export class GrpcStatusError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

const KIND_TO_STATUS: Record<RuntsError['kind'], grpc.status> = {
  invalid: grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  exists: grpc.status.ALREADY_EXISTS,
  state: grpc.status.FAILED_PRECONDITION,
  unsupported: grpc.status.UNIMPLEMENTED,
  system: grpc.status.UNKNOWN,
};

export function toGrpcError(err: unknown): grpc.StatusObject {
  const status = (code: grpc.status, details: string): grpc.StatusObject =>
    ({ code, details, metadata: new grpc.Metadata() });
  if (err instanceof GrpcStatusError) return status(err.code, err.message);
  if (err instanceof RefLockedError) return status(grpc.status.UNAVAILABLE, err.message);
  if (err instanceof OffsetError) return status(grpc.status.OUT_OF_RANGE, err.message);
  if (err instanceof NoSpaceError) return status(grpc.status.RESOURCE_EXHAUSTED, err.message);
  if (err instanceof RuntsError) return status(KIND_TO_STATUS[err.kind], err.message);
  return status(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err));
}

/** Adapts an async handler to grpc-js's unary callback, mapping any throw to a status. */
export function unary<Req, Res>(
  log: Logger,
  handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call))
      .then((res) => callback(null, res), (err) => {
        const status = toGrpcError(err);
        if (status.code === grpc.status.UNKNOWN) log.error('request failed', { error: status.details });
        callback(status);
      });
  };
}

/** Marks a gRPC call failed in a server or bidi stream. */
export function failStream(stream: { emit(event: 'error', err: unknown): boolean }, err: unknown): void {
  stream.emit('error', toGrpcError(err));
}
