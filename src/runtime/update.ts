// update: new resource values merged over the container's current ones (as runc keeps them),
// validated, applied to the live cgroup and recorded.
import { recordCgroup } from './cgroup';
import { RuntsError } from '../foundation/errors';
import { LinuxResources } from './spec';
import { StateStore } from './state-store';
import { statusOf } from './status';

type Json = Record<string, unknown>;

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b as Json, v as Json) : v;
  }
  return out;
}

export async function updateContainer(store: StateStore, id: string, changes: LinuxResources): Promise<void> {
  await store.locked(id, () => {
    const rec = store.read(id);
    if (statusOf(store, rec) === 'stopped') throw new RuntsError('cannot update a stopped container', 'state');
    const linux = (rec.config.linux ??= {});
    const merged = merge((linux.resources ?? {}) as Json, changes as Json) as LinuxResources;
    // As with runc, unlimited memory without a new swap value lifts the swap limit too.
    if (changes.memory?.limit === -1 && changes.memory.swap === undefined) merged.memory = { ...merged.memory, swap: -1 };
    const cg = recordCgroup(rec);
    // The merged values go to the kernel together (a higher memory limit needs the matching
    // swap limit); device rules only when given, so a running container never loses access.
    const toApply = { ...merged, devices: changes.devices } as LinuxResources;
    cg.validateResources(toApply);
    cg.applyResources(toApply, { update: true });
    linux.resources = merged;
    store.write(rec);
  });
}
