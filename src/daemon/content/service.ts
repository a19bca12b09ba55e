// Content service: a thin adapter from containerd's Content API to the blob store
// (src/content) and the per-namespace content records (src/metadata/content.ts).
import { once } from 'events';
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { Deps, failStream, namespaceOf, unary } from '../deps';
import { maskPaths } from '../convert';
import { ServiceRegistration } from '../registration';
import { contentField, deleteContent, getContent, listContent, updateContent } from '../../metadata/content';
import { FieldLookup, parseFilters } from '../../foundation/filters';
import { IngestStatus } from '../../content/ingest';
import { infoToWire, statusToWire } from './convert';
import { handleWrite } from './write';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
const LIST_BATCH = 100;

const statusField: FieldLookup<IngestStatus> = (s, p) => {
  if (p[0] === 'ref') return s.ref;
  if (p[0] === 'expected') return s.expected;
  return undefined;
};

async function writeAll(call: grpc.ServerWritableStream<unknown, unknown>, messages: AsyncIterable<unknown> | Iterable<unknown>) {
  for await (const msg of messages) {
    if (call.cancelled) return;
    if (!call.write(msg)) await once(call, 'drain');
  }
}

export function contentImplementation(deps: Deps): grpc.UntypedServiceImplementation {
  const { log, metadata, content } = deps;
  return {
    Info: unary(log, (call: Call<{ digest: string }>) => {
      const ns = namespaceOf(call);
      return { info: infoToWire(metadata.view((t) => getContent(t, ns, call.request.digest))) };
    }),

    Update: unary(log, (call: Call<{ info: { digest: string; labels: Record<string, string> } | null; update_mask: { paths: string[] } | null }>) => {
      const ns = namespaceOf(call);
      const info = { digest: call.request.info?.digest ?? '', labels: { ...(call.request.info?.labels ?? {}) } };
      const updated = metadata.update((t) => updateContent(t, ns, info, maskPaths(call.request.update_mask)));
      return { info: infoToWire(updated) };
    }),

    List: (call: grpc.ServerWritableStream<{ filters: string[] }, unknown>) => {
      (async () => {
        const ns = namespaceOf(call);
        const matches = parseFilters(call.request.filters, contentField);
        const infos = metadata.view((t) => listContent(t, ns)).filter(matches).map(infoToWire);
        const batches = [];
        for (let i = 0; i < infos.length; i += LIST_BATCH) batches.push({ info: infos.slice(i, i + LIST_BATCH) });
        await writeAll(call, batches);
        call.end();
      })().catch((err) => failStream(call, err));
    },

    Delete: unary(log, async (call: Call<{ digest: string }>) => {
      const ns = namespaceOf(call);
      metadata.update((t) => deleteContent(t, ns, call.request.digest));
      deps.events.publish(ns, '/content/delete', 'containerd.events.ContentDelete', { digest: call.request.digest });
      await deps.collectGarbage([call.request.digest]);
      return {};
    }),

    Read: (call: grpc.ServerWritableStream<{ digest: string; offset: number; size: number }, unknown>) => {
      (async () => {
        const ns = namespaceOf(call);
        const { digest, offset, size } = call.request;
        metadata.view((t) => getContent(t, ns, digest));
        await writeAll(call, content.read(digest, offset, size));
        call.end();
      })().catch((err) => failStream(call, err));
    },

    Status: unary(log, (call: Call<{ ref: string }>) => {
      const ns = namespaceOf(call);
      return { status: statusToWire(content.ingestStatus(ns, call.request.ref)) };
    }),

    ListStatuses: unary(log, (call: Call<{ filters: string[] }>) => {
      const ns = namespaceOf(call);
      const matches = parseFilters(call.request.filters, statusField);
      return { statuses: content.listIngests(ns).filter(matches).map(statusToWire) };
    }),

    Write: ((call: grpc.ServerDuplexStream<any, unknown>) => handleWrite(deps, call)) as grpc.handleBidiStreamingCall<any, unknown>,

    Abort: unary(log, (call: Call<{ ref: string }>) => {
      content.abortIngest(namespaceOf(call), call.request.ref);
      return {};
    }),
  };
}

export const contentService: ServiceRegistration = {
  name: 'content',
  definition: () => lazyServiceDefinition('containerd/services/content/v1/content.proto', 'containerd.services.content.v1.Content'),
  implementation: contentImplementation,
};
