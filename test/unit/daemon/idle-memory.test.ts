// runtsd's idle memory release: the wrapped handlers answer as before, and the release (malloc
// trimmed, code mappings dropped) comes once no call has run or been waiting for its answer
// for a second, not while a call is still unanswered.
import * as grpc from '@grpc/grpc-js';
import { IdleMemoryRelease } from '../../../src/daemon/idle-memory';
import { Logger } from '../../../src/daemon/log';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordingLogger(lines: string[]): Logger {
  const note = (msg: string) => { lines.push(msg); };
  return { debug: note, info: note, warn: note, error: note };
}

let idle: IdleMemoryRelease | undefined;
afterEach(() => idle?.stop());

test('handlers get the call and answer through the callback; streams run as they are', () => {
  idle = new IdleMemoryRelease(recordingLogger([]));
  const answers: unknown[] = [];
  const streamed: unknown[] = [];
  const wrapped = idle.noteCalls({
    Get: (call: { request: unknown }, callback: grpc.sendUnaryData<unknown>) => callback(null, { got: call.request }),
    Watch: (call: { request: unknown }) => { streamed.push(call.request); },
  }) as Record<string, (...args: unknown[]) => void>;
  wrapped.Get({ request: 'a' }, (err: unknown, value: unknown) => answers.push([err, value]));
  wrapped.Watch({ request: 'b' });
  expect(answers).toEqual([[null, { got: 'a' }]]);
  expect(streamed).toEqual(['b']);
});

test('no release while a call waits for its answer; after start-up, one a second after the answer', async () => {
  const lines: string[] = [];
  idle = new IdleMemoryRelease(recordingLogger(lines));
  let answer: (() => void) | undefined;
  const wrapped = idle.noteCalls({
    Slow: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => { answer = () => callback(null, {}); },
  }) as Record<string, (...args: unknown[]) => void>;
  const answered: unknown[] = [];
  wrapped.Slow({}, (err: unknown) => answered.push(err));
  await sleep(1500);
  expect(lines.filter((l) => l.startsWith('idle'))).toEqual([]);
  answer!();
  expect(answered).toEqual([null]);
  await sleep(1500);
  expect(lines.filter((l) => l.startsWith('idle'))).toEqual(['idle: malloc trimmed, code mappings released as the loop sleeps']);
});

test('a handler that throws does not hold the release back', async () => {
  const lines: string[] = [];
  idle = new IdleMemoryRelease(recordingLogger(lines));
  const wrapped = idle.noteCalls({
    Broken: () => { throw new Error('broken'); },
  }) as Record<string, (...args: unknown[]) => void>;
  expect(() => wrapped.Broken({}, () => undefined)).toThrow('broken');
  await sleep(1500);
  expect(lines.filter((l) => l.startsWith('idle'))).toEqual(['idle: malloc trimmed, code mappings released as the loop sleeps']);
});

test('after the first release, calls are followed by one only after a pause longer than kubelet\'s 1 s polls', async () => {
  const lines: string[] = [];
  idle = new IdleMemoryRelease(recordingLogger(lines));
  const wrapped = idle.noteCalls({
    Get: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
  }) as Record<string, (...args: unknown[]) => void>;
  idle.start();
  await sleep(1500);
  expect(lines.filter((l) => l.startsWith('idle'))).toEqual(['idle: malloc trimmed, code mappings released as the loop sleeps']);
  wrapped.Get({}, () => undefined);
  await sleep(1500);
  expect(lines.filter((l) => l.startsWith('idle'))).toHaveLength(1);
  await sleep(1000);
  expect(lines.filter((l) => l.startsWith('idle'))).toHaveLength(2);
});
