// Images service: names -> root descriptors, over src/metadata/images.ts. A target must be
// present and complete (verify.ts). Deleting an image runs garbage collection before
// answering, so its unreferenced content is gone on return.
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { namespaceOf, unary } from '../deps';
import { WireDescriptor, descriptorFromWire, descriptorToWire, maskPaths, toTimestamp } from '../convert';
import { ServiceRegistration } from '../registration';
import { ImageRecord } from '../../metadata/store';
import {
  ImageInput, createImage, deleteImage, getImage, imageField, listImages, updateImage,
} from '../../metadata/images';
import { parseFilters } from '../../foundation/filters';
import { verifyImageTarget } from './verify';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
interface WireImage { name: string; labels: Record<string, string>; target: WireDescriptor | null }

const imageToWire = (i: ImageRecord) => ({
  name: i.name,
  labels: i.labels,
  target: descriptorToWire(i.target),
  created_at: toTimestamp(i.createdAt),
  updated_at: toTimestamp(i.updatedAt),
});

const imageFromWire = (i: WireImage | null): ImageInput => ({
  name: i?.name ?? '',
  labels: { ...(i?.labels ?? {}) },
  target: descriptorFromWire(i?.target),
});

export const imagesService: ServiceRegistration = {
  name: 'images',
  definition: () => lazyServiceDefinition('containerd/services/images/v1/images.proto', 'containerd.services.images.v1.Images'),
  implementation: (deps) => {
    const { log, metadata, events } = deps;
    const publish = (ns: string, action: 'create' | 'update', i: ImageRecord) => events.publish(ns, `/images/${action}`,
      `containerd.services.images.v1.Image${action === 'create' ? 'Create' : 'Update'}`, { name: i.name, labels: i.labels });
    return {
      Get: unary(log, (call: Call<{ name: string }>) => {
        const ns = namespaceOf(call);
        return { image: imageToWire(metadata.view((t) => getImage(t, ns, call.request.name))) };
      }),
      List: unary(log, (call: Call<{ filters: string[] }>) => {
        const ns = namespaceOf(call);
        const matches = parseFilters(call.request.filters, imageField);
        return { images: metadata.view((t) => listImages(t, ns)).filter(matches).map(imageToWire) };
      }),
      Create: unary(log, (call: Call<{ image: WireImage | null }>) => {
        const ns = namespaceOf(call);
        const image = imageFromWire(call.request.image);
        const created = metadata.update((t) => {
          const record = createImage(t, ns, image);
          verifyImageTarget(t, deps.content, ns, image.name, image.target);
          return record;
        });
        publish(ns, 'create', created);
        return { image: imageToWire(created) };
      }),
      Update: unary(log, (call: Call<{ image: WireImage | null; update_mask: { paths: string[] } | null }>) => {
        const ns = namespaceOf(call);
        const image = imageFromWire(call.request.image);
        const paths = maskPaths(call.request.update_mask);
        const updated = metadata.update((t) => {
          const record = updateImage(t, ns, image, paths);
          if (paths.length === 0 || paths.includes('target')) verifyImageTarget(t, deps.content, ns, record.name, record.target);
          return record;
        });
        publish(ns, 'update', updated);
        return { image: imageToWire(updated) };
      }),
      Delete: unary(log, async (call: Call<{ name: string; sync: boolean }>) => {
        const ns = namespaceOf(call);
        metadata.update((t) => deleteImage(t, ns, call.request.name));
        events.publish(ns, '/images/delete', 'containerd.services.images.v1.ImageDelete', { name: call.request.name });
        await deps.collectGarbage();
        return {};
      }),
    };
  },
};
