// The idle release's waits as the shim uses them: a release after each quiet spell, and the
// shim's once-only step (moving its snapshot copy) before the first release alone.
import { IdleMemoryRelease } from '../../../src/foundation/idle-memory';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RELEASED = 'idle: malloc trimmed, code mappings released as the loop sleeps';

let idle: IdleMemoryRelease | undefined;
afterEach(() => idle?.stop());

test('each quiet spell after work is followed by one release; the first comes after its own step', async () => {
  const lines: string[] = [];
  idle = new IdleMemoryRelease({ firstMs: 200, laterMs: 400 }, (m) => lines.push(m), () => lines.push('first'));
  idle.busy();
  await sleep(100);
  idle.busy(); // work within the wait restarts it
  await sleep(140);
  expect(lines).toEqual([]);
  await sleep(200);
  expect(lines).toEqual(['first', RELEASED]);
  idle.busy();
  await sleep(240);
  expect(lines).toEqual(['first', RELEASED]);
  await sleep(300);
  expect(lines).toEqual(['first', RELEASED, RELEASED]);
  await sleep(600);
  expect(lines).toHaveLength(3); // no work, no wait
});
