import { normalizeImageName } from '../../../src/image/names';
import { chainIds } from '../../../src/image/chain';

test.each([
  ['busybox', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['team/tool', 'docker.io/team/tool:latest'],
  ['example.com/a/b:2', 'example.com/a/b:2'],
  ['localhost/x', 'localhost/x:latest'],
  ['localhost:5000/x:y', 'localhost:5000/x:y'],
  [`alpine@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine@sha256:${'a'.repeat(64)}`],
])('%s is stored as %s', (name, full) => {
  expect(normalizeImageName(name)).toBe(full);
});

test('an invalid reference is refused with its name', () => {
  expect(() => normalizeImageName('Upper/Case')).toThrow('image name "Upper/Case" is not a valid reference');
  expect(() => normalizeImageName('a b')).toThrow(/not a valid reference/);
});

test('chain IDs: the first diff ID, then sha256 of "parent diffID"', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  // printf 'sha256:aaa… sha256:bbb…' | sha256sum
  expect(chainIds([a, b])).toEqual([a, 'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c']);
  expect(chainIds([])).toEqual([]);
});
