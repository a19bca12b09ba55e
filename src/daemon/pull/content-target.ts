// The registry client's content target inside runtsd: ingests in the blob store, records in the
// namespace's metadata under the pull's lease, exactly what Content.Write does for a client.
import { Deps } from '../deps';
import { ContentTarget } from '../../registry/target';
import { Descriptor } from '../../image/documents';
import { RefLockedError } from '../../content/errors';

// Two pulls of one image (two pods of a deployment) fetch its blobs once: the second waits.
const LOCKED_RETRY_MS = 100;
const LOCKED_WAIT_MS = 10 * 60 * 1000;
import { addContent, getContent, hasContent, updateContent } from '../../metadata/content';
import { addLeaseResource } from '../../metadata/leases';
import { ensureNamespace, hasNamespace } from '../../metadata/namespaces';

export function daemonContentTarget(deps: Deps, namespace: string, lease: string): ContentTarget {
  const { metadata, content } = deps;
  const label = async (digest: string, labels: Record<string, string>) => {
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    if (paths.length) metadata.update((t) => updateContent(t, namespace, { digest, labels }, paths));
  };
  /** Present in the namespace: the lease takes it, as for a client's ALREADY_EXISTS. */
  const keepIfPresent = (digest: string) => metadata.update((t) => {
    if (!hasContent(t, namespace, digest)) return false;
    addLeaseResource(t, namespace, lease, { type: 'content', id: digest });
    return true;
  });
  /** The ingest, once no other pull of the same blob holds it (then the blob may be in already). */
  const openIngest = async (ref: string, desc: Descriptor) => {
    for (let waited = 0; ; waited += LOCKED_RETRY_MS) {
      if (keepIfPresent(desc.digest)) return undefined;
      if (!metadata.view((t) => hasNamespace(t, namespace))) metadata.update((t) => ensureNamespace(t, namespace));
      try {
        return content.openIngest(namespace, ref, desc.size, desc.digest);
      } catch (err) {
        if (!(err instanceof RefLockedError) || waited >= LOCKED_WAIT_MS) throw err;
        await new Promise((r) => setTimeout(r, LOCKED_RETRY_MS));
      }
    }
  };
  return {
    async writer(ref, desc) {
      const ingest = await openIngest(ref, desc);
      if (!ingest) return undefined;
      return {
        get offset() { return ingest.offset; },
        async write(chunk) { ingest.write(chunk); },
        async reset() { ingest.truncate(); },
        async commit(labels) {
          // A layer's worth of data is flushed off the main thread: other requests go on meanwhile.
          await ingest.sync();
          const result = ingest.commit(desc.size, desc.digest);
          const present = metadata.update((t) => {
            if (hasContent(t, namespace, result.digest)) {
              addLeaseResource(t, namespace, lease, { type: 'content', id: result.digest });
              return true;
            }
            addContent(t, namespace, { digest: result.digest, size: result.size, labels }, lease);
            return false;
          });
          if (present) await label(result.digest, labels);
        },
        async abort() { ingest.remove(); },
      };
    },
    label,
    labels: async (digest) => metadata.view((t) => getContent(t, namespace, digest)).labels,
    has: async (digest) => metadata.view((t) => hasContent(t, namespace, digest)),
    async read(digest) {
      metadata.view((t) => getContent(t, namespace, digest));
      const parts: Buffer[] = [];
      for await (const chunk of content.read(digest, 0, 0)) parts.push(chunk.data);
      return Buffer.concat(parts);
    },
    async *stream(digest) {
      metadata.view((t) => getContent(t, namespace, digest));
      for await (const chunk of content.read(digest, 0, 0)) yield chunk.data;
    },
  };
}
