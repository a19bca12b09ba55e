// The idle release's waits: the first after start-up, then one after each quiet spell following
// work (work within a wait restarts it), never while work is unfinished.
import { IdleRelease } from '../../../src/foundation/idle-release';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let idle: IdleRelease | undefined;
afterEach(() => idle?.stop());

test('each quiet spell after work is followed by one release, with the first and later waits', async () => {
  let releases = 0;
  idle = new IdleRelease({ firstMs: 200, laterMs: 400 }, () => releases++);
  idle.busy();
  await sleep(100);
  idle.busy();
  await sleep(140);
  expect(releases).toBe(0);
  await sleep(200);
  expect(releases).toBe(1);
  idle.busy();
  await sleep(240);
  expect(releases).toBe(1);
  await sleep(300);
  expect(releases).toBe(2);
  await sleep(600);
  expect(releases).toBe(2); // no work, no wait
});

test('unfinished work holds the release off until it ends, once however often it is ended', async () => {
  let releases = 0;
  idle = new IdleRelease({ firstMs: 200, laterMs: 200 }, () => releases++);
  const end = idle.begin();
  await sleep(400);
  expect(releases).toBe(0);
  end();
  end();
  await sleep(300);
  expect(releases).toBe(1);
});
