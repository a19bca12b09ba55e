// The compiled-filter cache: a filter is compiled once per profile and compiler, a damaged entry
// or a directory others can write is never trusted, and the oldest entries go past the limit.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cachedFilter, privateDir } from '../../../src/runtime/seccomp-cache';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-seccomp-cache-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const profile = (n: number) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [`call${n}`], action: 'SCMP_ACT_ALLOW' }] });

/** A compiler that counts its calls and makes a filter of n instructions. */
function counting(n = 2) {
  const calls = { count: 0 };
  return { calls, compile: () => (calls.count++, Buffer.alloc(8 * n, calls.count)) };
}

let dirs = 0;
const newCache = (compilerId = 'libseccomp test') => ({ dir: privateDir(path.join(work, `cache-${++dirs}`, 'seccomp')), compilerId });

test('a profile is compiled once; the next call gets the same bytes from the cache', () => {
  const cache = newCache();
  expect(cache.dir).toBeDefined();
  const { calls, compile } = counting();
  const first = cachedFilter(profile(1), compile, cache);
  const second = cachedFilter(profile(1), compile, cache);
  expect(calls.count).toBe(1);
  expect(second).toEqual(first);
  expect(fs.statSync(fs.readdirSync(cache.dir!).map((n) => path.join(cache.dir!, n))[0]).mode & 0o777).toBe(0o600);
});

test('another profile, or another compiler, is compiled again', () => {
  const cache = newCache();
  const { calls, compile } = counting();
  cachedFilter(profile(1), compile, cache);
  cachedFilter(profile(2), compile, cache);
  cachedFilter(profile(1), compile, { ...cache, compilerId: 'libseccomp other' });
  expect(calls.count).toBe(3);
});

test('a damaged entry is compiled again and replaced', () => {
  const cache = newCache();
  const { calls, compile } = counting();
  cachedFilter(profile(1), compile, cache);
  const [entry] = fs.readdirSync(cache.dir!);
  fs.writeFileSync(path.join(cache.dir!, entry), 'short');
  const again = cachedFilter(profile(1), compile, cache);
  expect(calls.count).toBe(2);
  expect(again.length).toBe(16);
  expect(fs.readFileSync(path.join(cache.dir!, entry))).toEqual(again);
});

test('without a cache directory every call compiles', () => {
  const { calls, compile } = counting();
  cachedFilter(profile(1), compile, { dir: undefined, compilerId: 'x' });
  cachedFilter(profile(1), compile, { dir: undefined, compilerId: 'x' });
  expect(calls.count).toBe(2);
});

test('a directory others can write, or that is not a directory, is no cache', () => {
  const open = path.join(work, 'open');
  fs.mkdirSync(path.join(open, 'seccomp'), { recursive: true });
  fs.chmodSync(path.join(open, 'seccomp'), 0o777);
  expect(privateDir(path.join(open, 'seccomp'))).toBeUndefined();
  fs.chmodSync(path.join(open, 'seccomp'), 0o700);
  fs.chmodSync(open, 0o755);
  expect(privateDir(path.join(open, 'seccomp'))).toBeUndefined();
  fs.chmodSync(open, 0o700);
  expect(privateDir(path.join(open, 'seccomp'))).toBe(path.join(open, 'seccomp'));
  fs.writeFileSync(path.join(work, 'file'), '');
  expect(privateDir(path.join(work, 'file'))).toBeUndefined();
});

test('past 64 entries the oldest are dropped', () => {
  const cache = newCache();
  const { compile } = counting(1);
  for (let i = 0; i < 66; i++) {
    cachedFilter(profile(i), compile, cache);
    // distinct mtimes, oldest first
    const newest = fs.readdirSync(cache.dir!).map((n) => path.join(cache.dir!, n)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    fs.utimesSync(newest, 1000 + i, 1000 + i);
  }
  expect(fs.readdirSync(cache.dir!)).toHaveLength(64);
  const { calls, compile: again } = counting(1);
  cachedFilter(profile(0), again, cache);
  cachedFilter(profile(65), again, cache);
  expect(calls.count).toBe(1);
});
