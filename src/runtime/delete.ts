// delete: a stopped (or, with --force, any) container's processes, cgroup and state go;
// poststop hooks run and their failures are only warnings.
import type { CgroupManager } from '../cgroups';
import { recordCgroup } from './cgroup';
import { RuntsError } from '../foundation/errors';
import { runHooks } from './hooks';
import { releaseHostMounts } from './host-mounts';
import { ContainerRecord, StateStore } from './state-store';
import { initAlive, ociState, statusOf } from './status';

const KILL_WAIT_MS = 10_000;

/** Polls instead of waiting on a pidfd: in a shim the init is our child, and reaping it here
 * would steal the exit status the shim reports. */
async function waitGone(rec: ContainerRecord): Promise<void> {
  const deadline = Date.now() + KILL_WAIT_MS;
  while (initAlive(rec) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

const ownPidNamespace = (rec: ContainerRecord) => (rec.config.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);

/** `opened`: the container's cgroup when the caller has it open already (run: the one create
 * placed the init in), which spares reading the mount table again. */
export async function deleteContainer(store: StateStore, id: string, force = false, warn?: (m: string) => void, opened?: CgroupManager): Promise<void> {
  let rec: ContainerRecord;
  try {
    rec = store.read(id);
  } catch (err) {
    // A state dir without a readable state (crash mid-create) is still removable by force.
    // Engines call `delete --force` blindly (podman, a retried containerd cleanup): like
    // runc, a container that is already gone is success; a corrupt state is removed.
    if (force && err instanceof RuntsError) {
      if (err.kind !== 'not-found') store.remove(id);
      return;
    }
    throw err;
  }
  await store.locked(id, async () => {
    const status = statusOf(store, rec);
    if (status === 'running' && !force) throw new RuntsError(`cannot delete container ${id} that is not stopped: ${status}`, 'state');
    const cgroup = opened ?? recordCgroup(rec);
    if (status !== 'stopped') {
      cgroup.killAll(9);
      try { process.kill(rec.pid, 9); } catch { /* gone */ }
      await waitGone(rec);
      if (initAlive(rec)) throw new RuntsError(`cannot delete container ${id}: its init ${rec.pid} still runs ${KILL_WAIT_MS / 1000}s after SIGKILL (uninterruptible sleep?)`, 'system');
    }
    // Without a pid namespace of its own the init's children outlive it: they go, as with runc.
    if (status === 'stopped' && !ownPidNamespace(rec)) {
      cgroup.killAll(9);
      const deadline = Date.now() + KILL_WAIT_MS;
      while (cgroup.pids().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    }
    // Processes that were in the cgroup before the container (runc warns and joins them) keep it.
    const left = status === 'stopped' ? cgroup.pids().length : 0;
    if (left > 0) warn?.(`container's cgroup is not empty: ${left} process(es) found, so it is left in place`);
    else cgroup.destroy();
    if (rec.hostMountsBefore) releaseHostMounts(rec.rootfs, rec.hostMountsBefore);
    const state = { ...ociState(store, rec), status: 'stopped' };
    store.remove(id);
    try {
      await runHooks('poststop', rec.config.hooks?.poststop, () => state);
    } catch (err) {
      warn?.((err as Error).message);
    }
  });
}
