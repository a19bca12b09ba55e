// Changes made over gRPC are published on the daemon's event exchange with containerd's topics
// and payload types (what the Events service forwards to `ctr events`). The daemon runs
// in-process here so the test can subscribe to its exchange directly.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { RunningDaemon, startDaemon } from '../../../src/daemon/server';
import { createLogger } from '../../../src/daemon/log';
import { Envelope } from '../../../src/daemon/exchange';
import { Clients, WriteSession, call, connect, meta } from './grpc-client';

const PROTO = path.resolve(__dirname, '../../../proto');
let dir: string;
let daemon: RunningDaemon;
let grpc: Clients;
const received: Envelope[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtsd-events-'));
  const config = { address: path.join(dir, 'sock'), root: path.join(dir, 'root'), state: path.join(dir, 'state'), logLevel: 'error' as const };
  daemon = await startDaemon(config, createLogger('error'));
  daemon.deps.events.subscribe((e) => received.push(e));
  grpc = connect(config.address);
});

afterAll(async () => {
  grpc?.close();
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const types = new protobuf.Root().loadSync(
  ['containerd/events/image.proto', 'containerd/events/namespace.proto', 'containerd/events/content.proto'].map((f) => path.join(PROTO, f)),
  { keepCase: true },
);
const decode = (e: Envelope) => types.lookupType(e.event.type_url).toObject(types.lookupType(e.event.type_url).decode(e.event.value));

test('namespace, content and image changes publish containerd events', async () => {
  await call(grpc.namespaces, 'Create', { namespace: { name: 'ev', labels: { a: '1' } } });
  const data = Buffer.from('{"os":"linux"}');
  const s = new WriteSession(grpc.content, meta('ev'));
  const { digest } = await s.send({ action: 'COMMIT', ref: 'r', data, labels: { 'containerd.io/gc.root': 'x' } });
  await s.close();
  const target = { media_type: 'application/octet-stream', digest, size: data.length, annotations: {} };
  await call(grpc.images, 'Create', { image: { name: 'img', labels: { k: 'v' }, target } }, meta('ev'));
  await call(grpc.images, 'Update', { image: { name: 'img', labels: { k: 'w' } }, update_mask: { paths: ['labels'] } }, meta('ev'));
  await call(grpc.images, 'Delete', { name: 'img' }, meta('ev'));
  await call(grpc.content, 'Delete', { digest }, meta('ev'));
  await call(grpc.namespaces, 'Delete', { name: 'ev' });

  expect(received.map((e) => [e.namespace, e.topic, e.event.type_url])).toEqual([
    ['ev', '/namespaces/create', 'containerd.events.NamespaceCreate'],
    ['ev', '/images/create', 'containerd.services.images.v1.ImageCreate'],
    ['ev', '/images/update', 'containerd.services.images.v1.ImageUpdate'],
    ['ev', '/images/delete', 'containerd.services.images.v1.ImageDelete'],
    ['ev', '/content/delete', 'containerd.events.ContentDelete'],
    ['ev', '/namespaces/delete', 'containerd.events.NamespaceDelete'],
  ]);
  expect(received.map(decode)).toEqual([
    { name: 'ev', labels: { a: '1' } },
    { name: 'img', labels: { k: 'v' } },
    { name: 'img', labels: { k: 'w' } },
    { name: 'img' },
    { digest },
    { name: 'ev' },
  ]);
  expect(received[0].timestamp.seconds).toBeGreaterThan(1.7e9);
});
