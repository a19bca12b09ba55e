// TOML through smol-toml: the values runtsd and the shim read, and one-line errors naming the
// file, line and column.
import { parseToml } from '../../../src/foundation/toml';

test('TOML values: escapes, dotted keys, arrays, booleans, numbers with underscores', () => {
  expect(parseToml('a.b = "x\\ty\\u00e9"\nc = [1, -2, 3.5, true]\nn = 16_777_216\n[t."q.k"]\nz = false', 'f')).toEqual({
    a: { b: 'x\tyé' }, c: [1, -2, 3.5, true], n: 16777216, t: { 'q.k': { z: false } },
  });
});

test('the whole of TOML 1.0 is read: multi-line strings, inline tables, arrays of tables', () => {
  expect(parseToml('s = """\nline"""\nt = { k = 1 }\n[[arr]]\nx = 1\n[[arr]]\nx = 2', 'f')).toEqual({
    s: 'line', t: { k: 1 }, arr: [{ x: 1 }, { x: 2 }],
  });
});

test('a document that is not TOML is refused in one line with file, line and column', () => {
  const refusal = (text: string) => {
    try {
      parseToml(text, 'f.toml');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('parsed');
  };
  expect(refusal('a = 1\na = 2')).toBe('config f.toml, line 2, column 1: trying to redefine an already defined table or value at "a = 2"');
  expect(refusal('a = "open')).toBe('config f.toml, line 1, column 5: unfinished string at ""open"');
  expect(refusal('a = 1 2')).toMatch(/^config f\.toml, line 1, column \d+: .*end-of-line at "2"$/);
  expect(refusal('big = 9007199254740993')).toMatch(/line 1, column \d+: integer value cannot be represented losslessly/);
  for (const text of ['a = {b = 1', 'a =', '[x\nb = 1']) expect(refusal(text)).not.toContain('\n');
});
