// runtsd's idle memory release: the wrapped handlers answer as before, and the release (malloc
// trimmed, code mappings dropped) comes once no call has run or been waiting for its answer for
// a while (1 s after start-up, 2 s later on), never while a call is still unanswered.
import * as grpc from '@grpc/grpc-js';
import type { IdleRelease } from '../../../src/foundation/idle-release';
import { daemonIdleMemoryRelease, noteCalls } from '../../../src/daemon/idle-memory';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RELEASED = 'idle: malloc trimmed, code mappings released as the loop sleeps';

let idle: IdleRelease | undefined;
afterEach(() => idle?.stop());

/** A release watching these handlers; releases() lists the ones it has logged. */
function watching(handlers: grpc.UntypedServiceImplementation) {
  const lines: string[] = [];
  const note = (msg: string) => { lines.push(msg); };
  idle = daemonIdleMemoryRelease({ debug: note, info: note, warn: note, error: note });
  const wrapped = noteCalls(idle, handlers) as Record<string, (...args: unknown[]) => void>;
  return { idle, wrapped, releases: () => lines.filter((l) => l.startsWith('idle')) };
}

test('handlers get the call and answer through the callback; streams run as they are', () => {
  const answers: unknown[] = [];
  const streamed: unknown[] = [];
  const { wrapped } = watching({
    Get: (call: { request: unknown }, callback: grpc.sendUnaryData<unknown>) => callback(null, { got: call.request }),
    Watch: (call: { request: unknown }) => { streamed.push(call.request); },
  });
  wrapped.Get({ request: 'a' }, (err: unknown, value: unknown) => answers.push([err, value]));
  wrapped.Watch({ request: 'b' });
  expect(answers).toEqual([[null, { got: 'a' }]]);
  expect(streamed).toEqual(['b']);
});

test('no release while a call waits for its answer; after start-up, one a second after the answer', async () => {
  let answer: (() => void) | undefined;
  const { wrapped, releases } = watching({
    Slow: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => { answer = () => callback(null, {}); },
  });
  const answered: unknown[] = [];
  wrapped.Slow({}, (err: unknown) => answered.push(err));
  await sleep(1500);
  expect(releases()).toEqual([]);
  answer!();
  expect(answered).toEqual([null]);
  await sleep(1500);
  expect(releases()).toEqual([RELEASED]);
});

test('a handler that throws does not hold the release back', async () => {
  const { wrapped, releases } = watching({
    Broken: () => { throw new Error('broken'); },
  });
  expect(() => wrapped.Broken({}, () => undefined)).toThrow('broken');
  await sleep(1500);
  expect(releases()).toEqual([RELEASED]);
});

test('after the first release, calls are followed by one only after a pause longer than kubelet\'s 1 s polls', async () => {
  const { idle: release, wrapped, releases } = watching({
    Get: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
  });
  release.busy();
  await sleep(1500);
  expect(releases()).toEqual([RELEASED]);
  wrapped.Get({}, () => undefined);
  await sleep(1500);
  expect(releases()).toHaveLength(1);
  await sleep(1000);
  expect(releases()).toHaveLength(2);
});
