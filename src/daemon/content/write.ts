// Content.Write: one ingest per bidirectional stream, driven by STAT / WRITE / COMMIT requests
// exactly as containerd's content service answers them (same offsets, digests and codes).
import * as grpc from '@grpc/grpc-js';
import { RuntsError, invalid } from '../../foundation/errors';
import { IngestWriter } from '../../content/ingest';
import { OffsetError } from '../../content/errors';
import { addContent, hasContent } from '../../metadata/content';
import { addLeaseResource, getLease } from '../../metadata/leases';
import { ensureNamespace, hasNamespace } from '../../metadata/namespaces';
import { Deps, failStream, leaseOf, namespaceOf } from '../deps';
import { toTimestamp } from '../convert';

interface WriteRequest {
  action: 'STAT' | 'WRITE' | 'COMMIT';
  ref: string;
  total: number;
  expected: string;
  offset: number;
  data: Buffer;
  labels: Record<string, string>;
}

export function handleWrite(deps: Deps, call: grpc.ServerDuplexStream<WriteRequest, unknown>): void {
  const { content, metadata, log } = deps;
  let writer: IngestWriter | undefined;
  let namespace = '';
  let lease: string | undefined;
  let total = 0;
  let expected = '';
  let finished = false;

  const finish = (err?: unknown) => {
    if (finished) return;
    finished = true;
    writer?.close();
    if (err === undefined) call.end();
    else failStream(call, err);
  };

  let ref = '';
  const start = (req: WriteRequest) => {
    if (!req.ref) throw invalid('the first write message must have a reference');
    ref = req.ref;
    namespace = namespaceOf(call);
    lease = leaseOf(call);
    if (lease) metadata.view((t) => getLease(t, namespace, lease!));
    total = req.total;
  };

  /**
   * When the namespace already holds the digest, the caller's lease still takes it, as in
   * containerd: a concurrent import's lease ending must not collect what this one relies on.
   */
  const leaseIfPresent = (digest: string): boolean => {
    if (!metadata.view((t) => hasContent(t, namespace, digest))) return false;
    if (lease) metadata.update((t) => addLeaseResource(t, namespace, lease!, { type: 'content', id: digest }));
    return true;
  };
  const alreadyExists = (digest: string) =>
    new RuntsError(`content ${digest} already exists in namespace "${namespace}"`, 'exists');

  const commit = (w: IngestWriter, labels: Record<string, string>): string => {
    const result = w.commit(total, expected);
    let present = false;
    try {
      present = metadata.update((t) => {
        if (hasContent(t, namespace, result.digest)) {
          if (lease) addLeaseResource(t, namespace, lease, { type: 'content', id: result.digest });
          return true;
        }
        addContent(t, namespace, { digest: result.digest, size: result.size, labels }, lease);
        return false;
      });
    } catch (err) {
      // The unlink happens synchronously; the sweep that follows concerns snapshots only.
      if (!result.existed) void deps.collectGarbage([result.digest]);
      throw err;
    }
    if (present) throw alreadyExists(result.digest);
    log.debug('content committed', { namespace, digest: result.digest, size: result.size });
    return result.digest;
  };

  /** As containerd's content writer, opening an ingest brings its namespace into being. */
  const openIngest = (): IngestWriter => {
    if (!metadata.view((t) => hasNamespace(t, namespace))) metadata.update((t) => ensureNamespace(t, namespace));
    return content.openIngest(namespace, ref, total, expected);
  };

  const handle = (req: WriteRequest) => {
    if (!ref) start(req);
    if (req.expected) {
      expected = req.expected;
      // Checked before the ingest opens: content already there needs no writer (nor its lock);
      // a partial ingest left for it is dropped, as containerd aborts it.
      if (leaseIfPresent(req.expected)) {
        if (writer) writer.remove();
        else if (content.ingestExists(namespace, ref)) {
          try {
            content.abortIngest(namespace, ref);
          } catch {
            // Another stream holds it; that writer will meet the same existing content.
          }
        }
        throw alreadyExists(req.expected);
      }
    }
    const w = writer ?? (writer = openIngest());
    const response = {
      action: req.action, offset: w.offset, total: 0, digest: '', started_at: null as unknown, updated_at: null as unknown,
    };
    if (req.total > 0) total = req.total;
    w.declare(total, expected);
    if (req.action === 'STAT') {
      Object.assign(response, {
        digest: w.digest(), total, started_at: toTimestamp(w.meta.startedAt), updated_at: toTimestamp(w.updatedAt),
      });
    } else {
      if (req.offset > 0 && req.offset !== w.offset) {
        throw new OffsetError(`write to ingest "${w.meta.ref}" at offset ${req.offset} must happen at its current offset ${w.offset}`);
      }
      if (req.offset === 0 && w.offset > 0) {
        w.truncate();
        response.offset = 0;
      }
      if (req.data.length > 0) {
        w.write(req.data);
        response.offset = w.offset;
      }
      response.digest = req.action === 'COMMIT' ? commit(w, req.labels) : w.digest();
    }
    call.write(response);
    if (req.action === 'COMMIT') finish();
  };

  call.on('data', (req: WriteRequest) => {
    if (finished) return;
    try {
      handle(req);
    } catch (err) {
      finish(err);
    }
  });
  call.on('end', () => finish());
  call.on('cancelled', () => {
    finished = true;
    writer?.close();
  });
}
