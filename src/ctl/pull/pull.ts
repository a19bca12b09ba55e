// `runtsctl pull` done by runtsctl itself, as ctr does: the registry client writes through
// runtsd's content service under a lease, layers are unpacked through its snapshots and diff
// services as they arrive, and the image record is made last, once everything is verified.
import { Client } from '../../client/client';
import { createOrUpdate, withLease } from '../import/import';
import { Platform } from '../../image/platform';
import { RepositoryClient, RegistryOptions } from '../../registry/client';
import { PulledImage, PullEvents, pullImage } from '../../registry/pull';
import { parseReference } from '../../image/reference';
import { grpcContentTarget } from './grpc-content';
import { grpcUnpacker } from './unpacker';

export interface ClientPullOptions {
  platform: Platform;
  snapshotter: string;
  unpack: boolean;
  registry: RegistryOptions;
  events?: PullEvents;
}

export async function pullThroughClient(client: Client, reference: string, options: ClientPullOptions): Promise<PulledImage> {
  const repo = new RepositoryClient(parseReference(reference), false, options.registry);
  try {
    return await withLease(client, async () => {
      const image = await pullImage(repo, grpcContentTarget(client), {
        platform: options.platform,
        unpacker: options.unpack ? grpcUnpacker(client, options.snapshotter) : undefined,
        events: options.events,
      });
      await createOrUpdate(client, { name: image.name, target: image.target });
      return image;
    });
  } finally {
    await repo.close();
  }
}
