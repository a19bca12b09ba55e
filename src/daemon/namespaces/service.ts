import * as grpc from '@grpc/grpc-js';
import { RuntsError } from '../../foundation/errors';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { unary } from '../deps';
import { maskPaths } from '../convert';
import { ServiceRegistration } from '../registration';
import {
  Namespace, createNamespace, deleteNamespace, getNamespace, listNamespaces, namespaceLabels, updateNamespace,
} from '../../metadata/namespaces';
import { labelField, parseFilters } from '../../foundation/filters';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
interface WireNamespace { name: string; labels: Record<string, string> }
const fromWire = (n: WireNamespace | null): Namespace => ({ name: n?.name ?? '', labels: { ...(n?.labels ?? {}) } });

export const namespacesService: ServiceRegistration = {
  name: 'namespaces',
  definition: () => lazyServiceDefinition(
    'containerd/services/namespaces/v1/namespace.proto',
    'containerd.services.namespaces.v1.Namespaces',
  ),
  implementation: ({ log, metadata, events, namespaceUsers }) => ({
    // containerd answers a namespace never used with no labels: its client reads them when it
    // connects (dockerd --containerd-namespace NS), before anything exists in NS.
    Get: unary(log, (call: Call<{ name: string }>) =>
      ({ namespace: metadata.view((t) => namespaceLabels(t, call.request.name)) })),
    List: unary(log, (call: Call<{ filter: string }>) => {
      const matches = parseFilters<Namespace>([call.request.filter], (n, p) =>
        (p[0] === 'name' ? n.name : labelField(n.labels, p)));
      return { namespaces: metadata.view(listNamespaces).filter(matches) };
    }),
    Create: unary(log, (call: Call<{ namespace: WireNamespace | null }>) => {
      const ns = fromWire(call.request.namespace);
      const created = metadata.update((t) => createNamespace(t, ns.name, ns.labels));
      events.publish(created.name, '/namespaces/create', 'containerd.events.NamespaceCreate', created);
      return { namespace: created };
    }),
    Update: unary(log, (call: Call<{ namespace: WireNamespace | null; update_mask: { paths: string[] } | null }>) => {
      const ns = fromWire(call.request.namespace);
      const updated = metadata.update((t) => updateNamespace(t, ns, maskPaths(call.request.update_mask)));
      events.publish(updated.name, '/namespaces/update', 'containerd.events.NamespaceUpdate', updated);
      return { namespace: updated };
    }),
    Delete: unary(log, async (call: Call<{ name: string }>) => {
      const { name } = call.request;
      metadata.view((t) => getNamespace(t, name));
      for (const inUse of namespaceUsers) {
        const held = await inUse(name);
        if (held) throw new RuntsError(`namespace "${name}" must be empty, but it still has ${held}`, 'state');
      }
      metadata.update((t) => deleteNamespace(t, name));
      events.publish(name, '/namespaces/delete', 'containerd.events.NamespaceDelete', { name });
      return {};
    }),
  }),
};
