// runts.services.pull.v1.Pull: runtsd pulls an image itself (pullIntoDaemon) and streams the
// progress to the caller; download progress is sent at most every 100 ms per layer.
import * as grpc from '@grpc/grpc-js';
import { failStream, namespaceOf } from '../deps';
import { ServiceRegistration } from '../registration';
import { pullDefinition } from './registration';
import { Descriptor } from '../../image/documents';
import { parsePlatform } from '../../image/platform';
import { pullIntoDaemon } from './pull';

interface PullRequest {
  reference: string;
  platform: string;
  username: string;
  password: string;
  plain_http: boolean;
  snapshotter: string;
  skip_unpack: boolean;
}

const BYTES_EVERY_MS = 100;
const wire = (d: Descriptor) => ({ media_type: d.mediaType, digest: d.digest, size: d.size, annotations: {} });

export const pullService: ServiceRegistration = {
  name: 'pull',
  definition: pullDefinition,
  implementation: (deps) => ({
      Pull: (call: grpc.ServerWritableStream<PullRequest, unknown>) => {
        const send = (event: string, d?: Descriptor, extra: { done?: number; name?: string } = {}) => {
          if (!call.cancelled) call.write({ event, descriptor: d ? wire(d) : null, done: extra.done ?? 0, name: extra.name ?? '' });
        };
        const progress = new Map<string, { done: number; sentAt: number }>();
        (async () => {
          const r = call.request;
          const namespace = namespaceOf(call);
          const record = await pullIntoDaemon(deps, r.reference, namespace, {
            platform: r.platform ? parsePlatform(r.platform) : undefined,
            auth: r.username ? { username: r.username, password: r.password } : undefined,
            plainHttp: r.plain_http,
            snapshotter: r.skip_unpack ? null : r.snapshotter || undefined,
            events: {
              resolved: (name, root) => send('resolved', root, { name }),
              layer: (l, stored) => send(stored ? 'stored' : 'layer', l),
              bytes: (l, n) => {
                const p = progress.get(l.digest) ?? { done: 0, sentAt: 0 };
                p.done += n;
                progress.set(l.digest, p);
                if (Date.now() - p.sentAt >= BYTES_EVERY_MS) {
                  p.sentAt = Date.now();
                  send('bytes', l, { done: p.done });
                }
              },
              downloaded: (l) => send('downloaded', l),
              unpacked: (l, state) => send(state === 'exists' ? 'exists' : 'unpacked', l),
            },
          });
          send('done', { mediaType: record.target.mediaType, digest: record.target.digest, size: record.target.size }, { name: record.name });
          call.end();
        })().catch((err) => failStream(call, err));
      },
  }),
};
