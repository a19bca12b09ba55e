import { parseGoDuration } from '../../../src/foundation/go-duration';

test('Go durations: single and compound terms, fractions, signs, zero', () => {
  expect(parseGoDuration('4h0m0s')).toBe(4 * 3600_000);
  expect(parseGoDuration('1m30s')).toBe(90_000);
  expect(parseGoDuration('500ms')).toBe(500);
  expect(parseGoDuration('1.5s')).toBe(1500);
  expect(parseGoDuration('.5m')).toBe(30_000);
  expect(parseGoDuration('2us')).toBeCloseTo(0.002);
  expect(parseGoDuration('0')).toBe(0);
  expect(parseGoDuration('-3s')).toBe(-3000);
});

test('what Go refuses is undefined: no unit, unknown unit, empty, spaces', () => {
  for (const bad of ['', '5', '5d', '1h 30m', 's', '-', '1hh', '4h0m0sx']) expect(parseGoDuration(bad)).toBeUndefined();
});
