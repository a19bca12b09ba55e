import { parseProcStat, readProcStat } from '../../../src/foundation/proc-stat';

// The tail after comm as the kernel writes it (Debian 12, 6.1): field 22 (starttime) is 123456.
const TAIL = 'S 1 812 812 0 -1 4194560 1203 0 0 0 3 1 0 0 20 0 1 0 123456 17010688 1466 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

test('state, ppid and start time come after the last ")": comm may hold spaces and parentheses', () => {
  expect(parseProcStat(`812 (sh) ${TAIL}`)).toEqual({ state: 'S', ppid: 1, startTime: '123456' });
  expect(parseProcStat(`812 (a b) c) (d) ${TAIL}`)).toEqual({ state: 'S', ppid: 1, startTime: '123456' });
  expect(parseProcStat(`813 (x) Z 812 ${TAIL.slice(4)}`)?.state).toBe('Z');
});

test('a truncated stat is none', () => {
  expect(parseProcStat('812 (sh S 1')).toBeUndefined();
  expect(parseProcStat('812 (sh) S 1 812')).toBeUndefined();
});

test("this process's stat: running, its parent, a start time; a gone pid has none", () => {
  const stat = readProcStat(process.pid)!;
  expect(stat.ppid).toBe(process.ppid);
  expect(stat.startTime).toMatch(/^\d+$/);
  expect(readProcStat(2 ** 22 + 1)).toBeUndefined();
});
