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
import { Clients, WriteSession, call, codeOf, connect, meta } from './grpc-client';

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

test('Events: Publish stamps the caller\'s namespace, Forward keeps the envelope, Subscribe filters', async () => {
  const stream = grpc.events.Subscribe({ filters: ['topic~=^/custom/,namespace==pub'] });
  const streamed: Envelope[] = [];
  stream.on('data', (e: Envelope) => streamed.push(e));
  stream.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 100));
  const event = { type_url: 'example.Custom', value: Buffer.from('payload') };
  await call(grpc.events, 'Publish', { topic: '/custom/one', event }, meta('pub'));
  await call(grpc.events, 'Publish', { topic: '/other/two', event }, meta('pub'));
  const timestamp = { seconds: 1700000000, nanos: 5 };
  await call(grpc.events, 'Forward', { envelope: { timestamp, namespace: 'pub', topic: '/custom/forwarded', event } });
  await call(grpc.events, 'Forward', { envelope: { timestamp, namespace: 'elsewhere', topic: '/custom/three', event } });
  for (let i = 0; i < 50 && streamed.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  stream.cancel();
  expect(streamed.map((e) => [e.namespace, e.topic, e.event.type_url, Buffer.from(e.event.value).toString()])).toEqual([
    ['pub', '/custom/one', 'example.Custom', 'payload'],
    ['pub', '/custom/forwarded', 'example.Custom', 'payload'],
  ]);
  expect(Number(streamed[1].timestamp.seconds)).toBe(1700000000);

  expect(await codeOf(call(grpc.events, 'Publish', { topic: 'no-slash', event }))).toBe('INVALID_ARGUMENT');
  expect(await codeOf(call(grpc.events, 'Publish', { topic: '/x' }))).toBe('INVALID_ARGUMENT');
  expect(await codeOf(call(grpc.events, 'Forward', { envelope: { namespace: 'bad/ns', topic: '/x', event } }))).toBe('INVALID_ARGUMENT');
  const badFilter = grpc.events.Subscribe({ filters: ['topic=='] });
  const status = await new Promise<number>((resolve) => badFilter.on('error', (e: { code: number }) => resolve(e.code)));
  expect(status).toBe(3);
});
