// Containers service: container records over src/metadata/containers.ts. Creating a record
// runs nothing (tasks do); deleting one releases its snapshot to the garbage collector.
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { failStream, namespaceOf, unary } from '../deps';
import { maskPaths, toTimestamp } from '../convert';
import { ServiceRegistration } from '../registration';
import { AnyRecord, ContainerRecord } from '../../metadata/store';
import {
  ContainerInput, containerField, containerGcRoots, createContainer, deleteContainer, getContainer,
  listContainers, updateContainer,
} from '../../metadata/containers';
import { parseFilters } from '../../foundation/filters';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
interface WireAny { type_url: string; value: Buffer }
interface WireContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options: WireAny | null } | null;
  spec: WireAny | null;
  snapshotter: string;
  snapshot_key: string;
  extensions: Record<string, WireAny>;
}

const anyFromWire = (a: WireAny | null | undefined): AnyRecord | undefined =>
  (a && (a.type_url || a.value?.length) ? { typeUrl: a.type_url, value: Buffer.from(a.value ?? []) } : undefined);
const anyToWire = (a: AnyRecord | undefined): WireAny | null =>
  (a ? { type_url: a.typeUrl, value: Buffer.from(a.value) } : null);

const containerFromWire = (c: WireContainer | null): ContainerInput => ({
  id: c?.id ?? '',
  labels: { ...(c?.labels ?? {}) },
  image: c?.image ?? '',
  runtime: { name: c?.runtime?.name ?? '', options: anyFromWire(c?.runtime?.options) },
  spec: anyFromWire(c?.spec),
  snapshotter: c?.snapshotter ?? '',
  snapshotKey: c?.snapshot_key ?? '',
  extensions: Object.fromEntries(Object.entries(c?.extensions ?? {}).map(([k, v]) => [k, anyFromWire(v) ?? { typeUrl: '', value: Buffer.alloc(0) }])),
});

const containerToWire = (c: ContainerRecord) => ({
  id: c.id,
  labels: c.labels,
  image: c.image,
  runtime: { name: c.runtime.name, options: anyToWire(c.runtime.options) },
  spec: anyToWire(c.spec),
  snapshotter: c.snapshotter,
  snapshot_key: c.snapshotKey,
  created_at: toTimestamp(c.createdAt),
  updated_at: toTimestamp(c.updatedAt),
  extensions: Object.fromEntries(Object.entries(c.extensions).map(([k, v]) => [k, anyToWire(v)])),
});

export const containersService: ServiceRegistration = {
  name: 'containers',
  definition: () => lazyServiceDefinition('containerd/services/containers/v1/containers.proto', 'containerd.services.containers.v1.Containers'),
  implementation: (deps) => {
    const { log, metadata, events } = deps;
    deps.gc.addRootSource(containerGcRoots);
    const list = (call: { metadata: grpc.Metadata; request: { filters: string[] } }) => {
      const ns = namespaceOf(call);
      const matches = parseFilters(call.request.filters, containerField);
      return metadata.view((t) => listContainers(t, ns)).filter(matches);
    };
    return {
      Get: unary(log, (call: Call<{ id: string }>) => {
        const ns = namespaceOf(call);
        return { container: containerToWire(metadata.view((t) => getContainer(t, ns, call.request.id))) };
      }),
      List: unary(log, (call: Call<{ filters: string[] }>) => ({ containers: list(call).map(containerToWire) })),
      ListStream: (call: grpc.ServerWritableStream<{ filters: string[] }, unknown>) => {
        try {
          for (const c of list(call)) call.write({ container: containerToWire(c) });
          call.end();
        } catch (err) {
          failStream(call, err);
        }
      },
      Create: unary(log, (call: Call<{ container: WireContainer | null }>) => {
        const ns = namespaceOf(call);
        const created = metadata.update((t) => createContainer(t, ns, containerFromWire(call.request.container)));
        events.publish(ns, '/containers/create', 'containerd.events.ContainerCreate', {
          id: created.id, image: created.image, runtime: { name: created.runtime.name, options: anyToWire(created.runtime.options) },
        });
        return { container: containerToWire(created) };
      }),
      Update: unary(log, (call: Call<{ container: WireContainer | null; update_mask: { paths: string[] } | null }>) => {
        const ns = namespaceOf(call);
        const next = containerFromWire(call.request.container);
        const updated = metadata.update((t) => updateContainer(t, ns, next, maskPaths(call.request.update_mask)));
        events.publish(ns, '/containers/update', 'containerd.events.ContainerUpdate', {
          id: updated.id, image: updated.image, labels: updated.labels, snapshot_key: updated.snapshotKey,
        });
        return { container: containerToWire(updated) };
      }),
      Delete: unary(log, (call: Call<{ id: string }>) => {
        const ns = namespaceOf(call);
        metadata.update((t) => deleteContainer(t, ns, call.request.id));
        events.publish(ns, '/containers/delete', 'containerd.events.ContainerDelete', { id: call.request.id });
        // Like containerd, the snapshot is released in the background: `ctr run --rm` need not wait.
        void deps.collectGarbage();
        return {};
      }),
    };
  },
};
