// CRI log lines: F per newline (a CR before it dropped), P pieces for lines longer than kubelet's
// 16 KiB, a last unterminated line flushed whole at EOF.
import { LineSplitter, LogSink, MAX_LINE } from '../../../../src/daemon/cri/logs';

function collect() {
  const entries: string[] = [];
  const sink: LogSink = { write: (stream, tag, text) => entries.push(`${stream} ${tag} ${text.toString()}`) };
  return { entries, sink };
}

test('lines split across chunks become one F entry each', () => {
  const { entries, sink } = collect();
  const s = new LineSplitter('stdout', sink);
  s.push(Buffer.from('hel'));
  s.push(Buffer.from('lo\nwor'));
  s.push(Buffer.from('ld\r\n\nlast'));
  expect(entries).toEqual(['stdout F hello', 'stdout F world', 'stdout F ']);
  s.end();
  expect(entries.pop()).toBe('stdout F last');
});

test('a line longer than the limit is written in P pieces, then F', () => {
  const { entries, sink } = collect();
  const s = new LineSplitter('stderr', sink);
  s.push(Buffer.from(`${'a'.repeat(MAX_LINE * 2 + 5)}\n`));
  expect(entries.map((e) => [e.slice(0, 9), e.length - 9])).toEqual([['stderr P ', MAX_LINE], ['stderr P ', MAX_LINE], ['stderr F ', 5]]);
});
