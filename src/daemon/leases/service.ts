// Leases service over src/metadata/leases.ts; deleting a lease releases what it held to GC.
import { randomBytes } from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { namespaceOf, unary } from '../deps';
import { toTimestamp } from '../convert';
import { ServiceRegistration } from '../registration';
import { LeaseRecord, LeaseResource } from '../../metadata/store';
import {
  addLeaseResource, createLease, deleteLease, deleteLeaseResource, getLease, leaseField, listLeases,
} from '../../metadata/leases';
import { parseFilters } from '../../foundation/filters';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type ResourceRequest = { id: string; resource: LeaseResource | null };

/** An id for a lease created without one, shaped like containerd's ("<nanos>-<base64url>"). */
const randomLeaseId = () => `${process.hrtime.bigint() % 1000000000n}-${randomBytes(3).toString('base64url')}`;

const leaseToWire = (l: LeaseRecord) => ({ id: l.id, created_at: toTimestamp(l.createdAt), labels: l.labels });
const resource = (r: LeaseResource | null): LeaseResource => ({ id: r?.id ?? '', type: r?.type ?? '' });

export const leasesService: ServiceRegistration = {
  name: 'leases',
  definition: () => lazyServiceDefinition('containerd/services/leases/v1/leases.proto', 'containerd.services.leases.v1.Leases'),
  implementation: (deps) => {
    const { log, metadata } = deps;
    return {
      Create: unary(log, (call: Call<{ id: string; labels: Record<string, string> }>) => {
        const ns = namespaceOf(call);
        const id = call.request.id || randomLeaseId();
        const lease = metadata.update((t) => createLease(t, ns, id, { ...call.request.labels }));
        return { lease: leaseToWire(lease) };
      }),
      Delete: unary(log, async (call: Call<{ id: string; sync: boolean }>) => {
        const ns = namespaceOf(call);
        metadata.update((t) => deleteLease(t, ns, call.request.id));
        await deps.collectGarbage();
        return {};
      }),
      List: unary(log, (call: Call<{ filters: string[] }>) => {
        const ns = namespaceOf(call);
        const matches = parseFilters(call.request.filters, leaseField);
        return { leases: metadata.view((t) => listLeases(t, ns)).filter(matches).map(leaseToWire) };
      }),
      AddResource: unary(log, (call: Call<ResourceRequest>) => {
        const ns = namespaceOf(call);
        metadata.update((t) => addLeaseResource(t, ns, call.request.id, resource(call.request.resource)));
        return {};
      }),
      DeleteResource: unary(log, async (call: Call<ResourceRequest>) => {
        const ns = namespaceOf(call);
        metadata.update((t) => deleteLeaseResource(t, ns, call.request.id, resource(call.request.resource)));
        await deps.collectGarbage();
        return {};
      }),
      ListResources: unary(log, (call: Call<{ id: string }>) => {
        const ns = namespaceOf(call);
        return { resources: metadata.view((t) => getLease(t, ns, call.request.id)).resources };
      }),
    };
  },
};
