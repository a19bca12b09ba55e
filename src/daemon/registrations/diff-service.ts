// The diff service (src/daemon/diff) over runtsd's content: layers are read from the
// blob store after checking the namespace holds them; layers it produces are committed like any
// Content.Write, under the caller's lease.
import * as grpc from '@grpc/grpc-js';
import { diffDefinition } from './diff';
import { Deps, leaseOf, namespaceOf, unary } from '../deps';
import { ServiceRegistration } from '../registration';
import { DiffContentStore, diffService } from '../diff/service';
import { addContent, getContent, hasContent } from '../../metadata/content';
import { addLeaseResource } from '../../metadata/leases';

function diffContent(deps: Deps, lease: string | undefined): DiffContentStore {
  const { metadata, content } = deps;
  return {
    async *read(namespace, digest) {
      metadata.view((t) => getContent(t, namespace, digest));
      for await (const chunk of content.read(digest, 0, 0)) yield chunk.data;
    },
    blobPath(namespace, digest) {
      metadata.view((t) => getContent(t, namespace, digest));
      return content.blobPath(digest);
    },
    async write(namespace, ref, data, labels) {
      const writer = content.openIngest(namespace, ref, 0, '');
      try {
        for await (const chunk of data) writer.write(chunk);
        const result = writer.commit(0, '');
        metadata.update((t) => {
          if (hasContent(t, namespace, result.digest)) {
            if (lease) addLeaseResource(t, namespace, lease, { type: 'content', id: result.digest });
          } else {
            addContent(t, namespace, { digest: result.digest, size: result.size, labels: labels() }, lease);
          }
        });
        return { digest: result.digest, size: result.size };
      } catch (err) {
        writer.remove();
        throw err;
      }
    },
  };
}

export const diffServiceRegistration: ServiceRegistration = {
  name: 'diff',
  definition: diffDefinition,
  implementation: (deps) => {
    // Handlers are cheap: bind one set per call so written layers join the call's lease.
    const handlersFor = (call: { metadata: grpc.Metadata }) => diffService({ content: diffContent(deps, leaseOf(call)) });
    return {
      Apply: unary(deps.log, (call: grpc.ServerUnaryCall<Parameters<ReturnType<typeof diffService>['Apply']>[0], unknown>) =>
        handlersFor(call).Apply(call.request, { namespace: namespaceOf(call) })),
      Diff: unary(deps.log, (call: grpc.ServerUnaryCall<Parameters<ReturnType<typeof diffService>['Diff']>[0], unknown>) =>
        handlersFor(call).Diff(call.request, { namespace: namespaceOf(call) })),
    };
  },
};
