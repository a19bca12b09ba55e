// Leases: named holds on resources (content, ingests, snapshots) that garbage collection
// must keep while the lease exists.
import { RuntsError, invalid, notFound } from '../foundation/errors';
import { LeaseRecord, LeaseResource, Tables, inNamespace, scopedKey } from './store';
import { ensureNamespace } from './namespaces';
import { validateDigest } from './identifiers';
import { cleanLabels, validateLabels } from './labels';
import { FieldLookup, labelField } from '../foundation/filters';

export function getLease(t: Tables, ns: string, id: string): LeaseRecord {
  const record = t.leases.get(scopedKey(ns, id));
  if (!record) throw notFound(`lease "${id}" not found in namespace "${ns}"`);
  return record;
}

export function listLeases(t: Tables, ns: string): LeaseRecord[] {
  return [...inNamespace(t.leases, ns)];
}

export function createLease(t: Tables, ns: string, id: string, labels: Record<string, string>): LeaseRecord {
  ensureNamespace(t, ns);
  // containerd only requires a lease id; ctr generates ones like "399628866-ti5_".
  if (!id) throw invalid('lease id must not be empty');
  validateLabels(labels);
  const key = scopedKey(ns, id);
  if (t.leases.get(key)) throw new RuntsError(`lease "${id}" already exists in namespace "${ns}"`, 'exists');
  const record = { id, createdAt: Date.now(), labels: cleanLabels(labels), resources: [] };
  t.leases.putSync(key, record);
  return record;
}

export function deleteLease(t: Tables, ns: string, id: string): void {
  getLease(t, ns, id);
  t.leases.removeSync(scopedKey(ns, id));
}

function validateResource(r: LeaseResource): void {
  if (r.type === 'content') return validateDigest(r.id);
  if (!r.id) throw invalid(`lease resource of type "${r.type}" needs an id`);
  if (r.type === 'ingests' || /^snapshots\/[A-Za-z0-9_.-]+$/.test(r.type)) return;
  throw invalid(`lease resource type "${r.type}" is not supported: use content, ingests or snapshots/<snapshotter>`);
}

const sameResource = (a: LeaseResource, b: LeaseResource) => a.type === b.type && a.id === b.id;

export function addLeaseResource(t: Tables, ns: string, id: string, resource: LeaseResource): void {
  validateResource(resource);
  const lease = getLease(t, ns, id);
  if (lease.resources.some((r) => sameResource(r, resource))) return;
  t.leases.putSync(scopedKey(ns, id), { ...lease, resources: [...lease.resources, resource] });
}

export function deleteLeaseResource(t: Tables, ns: string, id: string, resource: LeaseResource): void {
  validateResource(resource);
  const lease = getLease(t, ns, id);
  const resources = lease.resources.filter((r) => !sameResource(r, resource));
  t.leases.putSync(scopedKey(ns, id), { ...lease, resources });
}

export const leaseField: FieldLookup<LeaseRecord> = (l, fieldPath) => {
  if (fieldPath[0] === 'id') return l.id;
  return labelField(l.labels, fieldPath);
};
