// Registers the snapshots service (src/daemon/snapshots) over the snapshotters in containerd's
// layout under <root> (overlayfs when the kernel has it, native always, btrfs on btrfs). As in
// containerd, a snapshot created under a lease joins it, its namespace cannot be deleted while
// it exists, and unreferenced snapshots are swept after each garbage collection (snapshots-gc.ts).
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { leaseOf, namespaceOf } from '../deps';
import { ServiceRegistration } from '../registration';
import { snapshotsService } from '../snapshots/service';
import { openSnapshotters } from '../../snapshots';
import { addLeaseResource } from '../../metadata/leases';
import { ensureNamespace } from '../../metadata/namespaces';
import { PlainHandler, adaptHandlers } from './adapt';
import { sweepSnapshots } from './snapshots-gc';

/** Methods that create a snapshot, and which request field names it. */
const CREATES: Record<string, 'key' | 'name'> = { Prepare: 'key', View: 'key', Commit: 'name' };

export const snapshotsRegistration: ServiceRegistration = {
  name: 'snapshots',
  definition: () => lazyServiceDefinition('containerd/services/snapshots/v1/snapshots.proto', 'containerd.services.snapshots.v1.Snapshots'),
  implementation: (deps) => {
    const snapshotters = openSnapshotters(deps.config.root);
    for (const name of Object.keys(snapshotters)) {
      deps.plugins.push({ type: 'io.containerd.snapshotter.v1', id: name, requires: [], capabilities: [], exports: {} });
    }
    const defaultSnapshotter = snapshotters.overlayfs ? 'overlayfs' : 'native';
    deps.snapshotters = { all: snapshotters, defaultName: defaultSnapshotter };
    deps.gc.addSweeper((rootSources) => sweepSnapshots(deps.metadata, snapshotters, rootSources, deps.log));
    deps.namespaceUsers.push(async (namespace) => {
      for (const snapshotter of Object.values(snapshotters)) {
        if ((await snapshotter.list()).some((s) => s.name.startsWith(`${namespace}/`))) return 'snapshots';
      }
      return undefined;
    });

    const handlers = snapshotsService({ snapshotters, defaultSnapshotter }) as unknown as Record<string, PlainHandler>;
    const impl = adaptHandlers(deps.log, handlers, ['List']);
    for (const [method, field] of Object.entries(CREATES)) {
      const serve = impl[method] as grpc.handleUnaryCall<Record<string, string>, unknown>;
      impl[method] = ((call: grpc.ServerUnaryCall<Record<string, string>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        serve(call, (err, response) => {
          if (!err) {
            // As in containerd, creating a snapshot creates its namespace and joins the lease.
            const lease = leaseOf(call);
            try {
              const type = `snapshots/${call.request.snapshotter || defaultSnapshotter}`;
              deps.metadata.update((t) => {
                const ns = namespaceOf(call);
                ensureNamespace(t, ns);
                if (lease) addLeaseResource(t, ns, lease, { type, id: call.request[field] });
              });
            } catch (recordErr) {
              deps.log.warn('could not record snapshot in namespace or lease', { lease, error: String(recordErr) });
            }
          }
          callback(err, response);
        });
      }) as grpc.handleUnaryCall<Record<string, string>, unknown>;
    }
    return impl;
  },
};
