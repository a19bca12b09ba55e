// CRI objects kept as containerd keeps them: container records in the "k8s.io" namespace, a
// label telling sandboxes from containers and an extension holding the CRI metadata (config,
// timestamps, network, exit) as JSON. A restarted runtsd finds every pod and container here.
// Reads come from an index in memory, written through with each change and loaded from the
// records once (as containerd's CRI keeps its sandbox and container stores): a pod cycle made
// ~15 containers.List/Get calls over gRPC, each List decoding every record. Like containerd's,
// the index does not see records changed behind the plugin's back (ctr -n k8s.io).
import * as grpc from '@grpc/grpc-js';
import { Client, DaemonError, hasCode } from '../../client/client';
import { GrpcStatusError } from '../deps';

import { CRI_NAMESPACE, KIND_LABEL } from './labels';

export { CRI_NAMESPACE, KIND_LABEL };
export const SANDBOX_ID_LABEL = 'io.cri-containerd.sandbox-id';
const EXTENSION = 'io.runts.cri.metadata';
const EXTENSION_TYPE = 'runts.cri/metadata';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Message = Record<string, any>;

export interface SandboxMeta {
  id: string;
  config: Message;
  createdAt: number;
  /** Pinned network namespace; '' for host-network pods. */
  netns: string;
  network: string;
  ip: string;
  /** The pod's own files (/etc/hosts, hostname, resolv.conf). */
  dir: string;
  cgroupsPath: string;
  stopped: boolean;
  /** The shared shim group of its tasks (src/daemon/cri/shim-groups.ts); absent: a shim of its own. */
  shimGroup?: string;
}

export interface ContainerMeta {
  id: string;
  sandboxId: string;
  config: Message;
  imageRef: string;
  imageName: string;
  logPath: string;
  cgroupsPath: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
}

export type Kind = 'sandbox' | 'container';

/** A container record's runtime: the shim and its options (a google.protobuf.Any). */
export interface WireRuntime { name: string; options: { type_url: string; value: Buffer } | null }

export interface CriRecord<M> {
  id: string;
  labels: Record<string, string>;
  image: string;
  meta: M;
}

/** A daemon error as the status kubelet should see (NOT_FOUND stays NOT_FOUND...). */
export function asStatus(err: unknown): unknown {
  if (err instanceof DaemonError) {
    const code = (grpc.status as unknown as Record<string, number>)[err.code] ?? grpc.status.UNKNOWN;
    return new GrpcStatusError(code, err.message);
  }
  return err;
}

export const notFoundStatus = (what: string) => new GrpcStatusError(grpc.status.NOT_FOUND, what);

/** A record as the index keeps it: the metadata as JSON, so every reader gets its own copy to change. */
interface Indexed { kind: Kind; id: string; labels: Record<string, string>; image: string; metaJson: string }

const indexed = (kind: Kind, c: Message): Indexed | undefined => {
  const ext = c.extensions?.[EXTENSION];
  if (!ext) return undefined;
  return { kind, id: c.id, labels: c.labels ?? {}, image: c.image, metaJson: Buffer.from(ext.value).toString('utf8') };
};

const toRecord = <M>(r: Indexed): CriRecord<M> => ({ id: r.id, labels: { ...r.labels }, image: r.image, meta: JSON.parse(r.metaJson) as M });

export const metaExtension = (meta: unknown) => ({ [EXTENSION]: { type_url: EXTENSION_TYPE, value: Buffer.from(JSON.stringify(meta)) } });

export class CriStore {
  private index: Promise<Map<string, Indexed>> | undefined;

  constructor(private readonly client: Client) {}

  /** The index, loaded from the records on first use (again after a failed load). */
  private records(): Promise<Map<string, Indexed>> {
    this.index ??= (async () => {
      const byId = new Map<string, Indexed>();
      for (const kind of ['sandbox', 'container'] as Kind[]) {
        const { containers } = await this.client.unary('containers', 'List', { filters: [`labels."${KIND_LABEL}"==${kind}`] });
        for (const c of containers as Message[]) {
          const r = indexed(kind, c);
          if (r) byId.set(r.id, r);
        }
      }
      return byId;
    })().catch((err) => {
      this.index = undefined;
      throw asStatus(err);
    });
    return this.index;
  }

  async list<M>(kind: Kind): Promise<CriRecord<M>[]> {
    return [...(await this.records()).values()].filter((r) => r.kind === kind).map((r) => toRecord<M>(r));
  }

  async get<M>(kind: Kind, id: string): Promise<CriRecord<M>> {
    const found = await this.find<M>(kind, id);
    if (!found) throw notFoundStatus(`${kind} "${id}" not found`);
    return found;
  }

  /** By full id or unique prefix, as crictl and containerd's CRI accept. */
  async find<M>(kind: Kind, id: string): Promise<CriRecord<M> | undefined> {
    if (!id) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `${kind} id cannot be empty`);
    const records = await this.records();
    const exact = records.get(id);
    if (exact?.kind === kind) return toRecord<M>(exact);
    const matches = [...records.values()].filter((r) => r.kind === kind && r.id.startsWith(id));
    if (matches.length > 1) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `${kind} id prefix "${id}" is ambiguous`);
    return matches[0] && toRecord<M>(matches[0]);
  }

  async create(kind: Kind, record: {
    id: string; labels: Record<string, string>; image: string; spec: object; snapshotKey: string; meta: unknown; runtime: WireRuntime;
  }): Promise<void> {
    const records = await this.records();
    await this.client.unary('containers', 'Create', {
      container: {
        id: record.id,
        labels: { ...record.labels, [KIND_LABEL]: kind },
        image: record.image,
        runtime: record.runtime,
        snapshotter: 'overlayfs',
        snapshot_key: record.snapshotKey,
        spec: { type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Spec', value: Buffer.from(JSON.stringify(record.spec)) },
        extensions: metaExtension(record.meta),
      },
    });
    records.set(record.id, { kind, id: record.id, labels: { ...record.labels, [KIND_LABEL]: kind }, image: record.image, metaJson: JSON.stringify(record.meta) });
  }

  async updateMeta(id: string, meta: unknown): Promise<void> {
    const records = await this.records();
    const metaJson = JSON.stringify(meta);
    await this.client.unary('containers', 'Update', {
      container: { id, extensions: { [EXTENSION]: { type_url: EXTENSION_TYPE, value: Buffer.from(metaJson) } } },
      update_mask: { paths: [`extensions.${EXTENSION}`] },
    });
    const r = records.get(id);
    if (r) r.metaJson = metaJson;
  }

  async spec(id: string): Promise<Message> {
    const { container } = await this.client.unary('containers', 'Get', { id });
    return JSON.parse(Buffer.from(container.spec.value).toString('utf8'));
  }

  /** Idempotent. */
  async remove(id: string): Promise<void> {
    const records = await this.records();
    try {
      await this.client.unary('containers', 'Delete', { id });
    } catch (err) {
      if (!hasCode(err, 'NOT_FOUND')) throw asStatus(err);
    }
    records.delete(id);
  }
}
