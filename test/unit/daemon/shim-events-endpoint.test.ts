// runtsd's ttrpc events endpoint: what a shim forwards lands in the event exchange unchanged.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { serveShimEvents } from '../../../src/daemon/shims/events-endpoint';
import { Envelope, EventExchange } from '../../../src/daemon/exchange';
import { TtrpcClient } from '../../../src/foundation/ttrpc/client';
import { TtrpcServer } from '../../../src/foundation/ttrpc/server';
import { EVENTS_SERVICE, eventType, forwardRequestCodec } from '../../../src/foundation/protos/shim';

describe('shim events endpoint', () => {
  let dir: string;
  let server: TtrpcServer;
  let client: TtrpcClient;
  const seen: Envelope[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-endpoint-'));
    const exchange = new EventExchange();
    exchange.subscribe((e) => seen.push(e));
    server = await serveShimEvents(path.join(dir, 'd.sock.ttrpc'), exchange);
    client = await TtrpcClient.connect(path.join(dir, 'd.sock.ttrpc'));
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a forwarded envelope, taking the namespace from metadata when the envelope has none', async () => {
    const event = { type_url: 'containerd.events.TaskOOM', value: eventType('TaskOOM').encode({ containerId: 'c1' }) };
    const request = forwardRequestCodec.encode({ envelope: { timestamp: { seconds: 5, nanos: 6 }, namespace: '', topic: '/tasks/oom', event } });
    await client.call(EVENTS_SERVICE, 'Forward', request, { metadata: { 'containerd-namespace-ttrpc': 'ns1' } });
    expect(seen).toEqual([{ timestamp: { seconds: 5, nanos: 6 }, namespace: 'ns1', topic: '/tasks/oom', event }]);
  });

  it('refuses an envelope with no topic', async () => {
    const request = forwardRequestCodec.encode({ envelope: { timestamp: { seconds: 0, nanos: 0 }, namespace: 'ns1', topic: '', event: { type_url: 'x', value: Buffer.alloc(0) } } });
    await expect(client.call(EVENTS_SERVICE, 'Forward', request)).rejects.toThrow('forwarded event needs a namespace, a topic and an event');
  });
});
