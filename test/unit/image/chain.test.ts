import { chainIds } from '../../../src/image/chain';

test('chain IDs: the first diff ID, then sha256 of "parent diffID"', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  // printf 'sha256:aaa… sha256:bbb…' | sha256sum
  expect(chainIds([a, b])).toEqual([a, 'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c']);
  expect(chainIds([])).toEqual([]);
});
