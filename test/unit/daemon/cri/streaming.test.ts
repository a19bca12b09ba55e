// The streaming protocols' own parsing, without a connection: resize messages as client-go's
// JSON encoder writes them (cut anywhere by the transport), and portforward's stream pairing by
// requestID or, for older clients, by stream ids.
import { PassThrough } from 'stream';
import { onResize } from '../../../../src/daemon/cri/streaming/remotecommand';
import { PortPair, portForward } from '../../../../src/daemon/cri/streaming/portforward';
import { SpdySession, SpdyStream } from '../../../../src/daemon/cri/streaming/spdy';

function fakeStream(headers: Record<string, string>, id = 1): SpdyStream & PassThrough {
  return Object.assign(new PassThrough(), { headers, id, respond: () => undefined }) as unknown as SpdyStream & PassThrough;
}

function fakeSession(): SpdySession & { open(s: SpdyStream): void } {
  let listener: (s: SpdyStream) => void = () => undefined;
  return { onStream: (l) => { listener = l; }, closed: new Promise(() => undefined), close: () => undefined, open: (s) => listener(s) };
}

test('resize: each size once, whatever the chunking; a bad message is skipped', () => {
  const stream = fakeStream({ streamtype: 'resize' });
  const sizes: unknown[] = [];
  onResize(stream, (s) => sizes.push(s));
  stream.write('{"Width":80,"Hei');
  stream.write('ght":24}\n{"Width":0,"Height":1}\nnot json}{"Width":120,"Height":40}\n');
  expect(sizes).toEqual([{ width: 80, height: 24 }, { width: 120, height: 40 }]);
});

test('portforward: a pair is its data and error streams with one requestID, in any order', () => {
  const pairs: PortPair[] = [];
  const session = fakeSession();
  portForward((pair) => pairs.push(pair)).serve(session, 'portforward.k8s.io');
  const data1 = fakeStream({ streamtype: 'data', port: '80', requestid: '1' });
  const error0 = fakeStream({ streamtype: 'error', port: '8080', requestid: '0' });
  const error1 = fakeStream({ streamtype: 'error', port: '80', requestid: '1' });
  const data0 = fakeStream({ streamtype: 'data', port: '8080', requestid: '0' });
  [data1, error0, error1, data0].forEach((s) => session.open(s));
  expect(pairs.map((p) => [p.port, p.data, p.error])).toEqual([[80, data1, error1], [8080, data0, error0]]);
});

test('portforward: without requestID, error n and data n+2 make a pair (kubelet\'s rule for old clients)', () => {
  const pairs: PortPair[] = [];
  const session = fakeSession();
  portForward((pair) => pairs.push(pair)).serve(session, 'portforward.k8s.io');
  const error = fakeStream({ streamtype: 'error', port: '22' }, 5);
  const data = fakeStream({ streamtype: 'data', port: '22' }, 7);
  session.open(error);
  session.open(data);
  expect(pairs.map((p) => [p.port, p.data, p.error])).toEqual([[22, data, error]]);
});

test('portforward: a bad port is answered on the error stream, nothing is forwarded', async () => {
  const pairs: PortPair[] = [];
  const session = fakeSession();
  portForward((pair) => pairs.push(pair)).serve(session, 'portforward.k8s.io');
  const error = fakeStream({ streamtype: 'error', port: '70000', requestid: '3' });
  session.open(error);
  session.open(fakeStream({ streamtype: 'data', port: '70000', requestid: '3' }));
  expect(pairs).toEqual([]);
  expect(String(error.read())).toBe('invalid port "70000": want 1-65535');
});
