// runtsd pulling an image itself (for runtsctl pull --daemon and CRI's PullImage): the registry
// client writes into the content store under a lease of its own, layers are unpacked into the
// snapshotter as they arrive, and the image record is created or moved last, once all of its
// content is verified; the lease goes at the end, success or not, so a failed pull leaves
// nothing for garbage collection to keep.
import { randomBytes } from 'crypto';
import { Deps } from '../deps';
import { verifyImageTarget } from '../images/verify';
import { Platform, hostPlatform } from '../../image/platform';
import { Credentials } from '../../registry/auth';
import { RepositoryClient } from '../../registry/client';
import { PullEvents, pullImage } from '../../registry/pull';
import { parseReference } from '../../image/reference';
import { ImageRecord } from '../../metadata/store';
import { createImage, updateImage } from '../../metadata/images';
import { hasNamespace } from '../../metadata/namespaces';
import { createLease, deleteLease } from '../../metadata/leases';
import { scopedKey } from '../../metadata/store';
import { daemonContentTarget } from './content-target';
import { daemonUnpacker } from './unpacker';

export interface DaemonPullOptions {
  /** Defaults to the daemon's own platform. */
  platform?: Platform;
  /** Registry credentials; without them a Docker config.json of the daemon's user is read. */
  auth?: Credentials;
  /** Speak plain HTTP to the registry (as ctr --plain-http). */
  plainHttp?: boolean;
  /** Registry hosts directory (containerd's certs.d layout); default: runtsd's --registry-config-path. */
  hostsDir?: string;
  /** Snapshotter to unpack into (default: the daemon's default); null: do not unpack. */
  snapshotter?: string | null;
  events?: PullEvents;
}

const LEASE_EXPIRY_MS = 24 * 3600 * 1000;

/**
 * Pulls `reference` into `namespace` and returns the image record (created, or updated to the
 * new target). Throws a RuntsError (gRPC status by its kind) on any failure, leaving no image.
 */
export async function pullIntoDaemon(deps: Deps, reference: string, namespace: string, options: DaemonPullOptions = {}): Promise<ImageRecord> {
  const repo = new RepositoryClient(parseReference(reference), false, {
    hostsDir: options.hostsDir ?? deps.config.registryHostsDir,
    plainHttp: options.plainHttp,
    credentials: options.auth,
  });
  const lease = `runtsd-pull-${Date.now()}-${randomBytes(4).toString('hex')}`;
  deps.metadata.update((t) => createLease(t, namespace, lease, {
    'containerd.io/gc.expire': new Date(Date.now() + LEASE_EXPIRY_MS).toISOString(),
  }));
  let failed = false;
  try {
    const content = daemonContentTarget(deps, namespace, lease);
    const snapshotter = options.snapshotter === undefined ? deps.snapshotters?.defaultName : options.snapshotter;
    const image = await pullImage(repo, content, {
      platform: options.platform ?? hostPlatform(),
      unpacker: snapshotter ? daemonUnpacker(deps, namespace, lease, content, snapshotter) : undefined,
      events: options.events,
    });
    const { record, created } = deps.metadata.update((t) => {
      const { mediaType, digest, size } = image.target;
      const input = { name: image.name, labels: {}, target: { mediaType, digest, size, annotations: {} } };
      const exists = hasNamespace(t, namespace) && t.images.get(scopedKey(namespace, image.name)) !== undefined;
      const saved = exists ? updateImage(t, namespace, input, ['target']) : createImage(t, namespace, input);
      verifyImageTarget(t, deps.content, namespace, image.name, input.target);
      return { record: saved, created: !exists };
    });
    deps.events.publish(namespace, `/images/${created ? 'create' : 'update'}`,
      `containerd.services.images.v1.Image${created ? 'Create' : 'Update'}`, { name: record.name, labels: record.labels });
    return record;
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    deps.metadata.update((t) => deleteLease(t, namespace, lease));
    await repo.close();
    // What the lease alone held (a failed pull's blobs and snapshots) goes now.
    if (failed) void deps.collectGarbage().catch(() => undefined);
  }
}
