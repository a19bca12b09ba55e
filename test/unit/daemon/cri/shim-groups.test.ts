// Pods fill shared shims' groups of at most pods_per_shim, lowest group first; a freed place is
// taken again; a restarted daemon gets the places back from the records.
import { ShimGroups } from '../../../../src/daemon/cri/shim-groups';

test('pods fill groups up to the cap, lowest first, and freed places are reused', () => {
  const groups = new ShimGroups(2);
  expect(['a', 'b', 'c', 'd', 'e'].map((pod) => groups.place(pod))).toEqual(['runts-cri-0', 'runts-cri-0', 'runts-cri-1', 'runts-cri-1', 'runts-cri-2']);
  groups.release('b');
  groups.release('b');
  expect(groups.place('f')).toBe('runts-cri-0');
  expect(groups.place('g')).toBe('runts-cri-2');
  expect(ShimGroups.isKeptWarm('runts-cri-0')).toBe(true);
  expect(ShimGroups.isKeptWarm('runts-cri-1')).toBe(false);
  expect(ShimGroups.isKeptWarm(undefined)).toBe(false);
});

test('pods_per_shim = 1: no group, every pod has a shim of its own', () => {
  expect(new ShimGroups(1).place('a')).toBeUndefined();
});

test('places recorded by a previous daemon are taken back; unknown names are not', () => {
  const groups = new ShimGroups(2);
  groups.restore('a', 'runts-cri-0');
  groups.restore('b', 'runts-cri-0');
  groups.restore('c', 'elsewhere');
  groups.restore('d', undefined);
  expect(groups.place('e')).toBe('runts-cri-1');
});
