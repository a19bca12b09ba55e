// Signal names and numbers as `kill` accepts them: KILL, SIGKILL, 9.
import * as os from 'os';
import { RuntsError } from '../foundation/errors';

/** Signal 0 is allowed: it only checks that the process exists (engines probe with `kill ID 0`). */
export function parseSignal(raw: string | number | undefined): number {
  if (raw === undefined || raw === '') return os.constants.signals.SIGTERM;
  const text = String(raw);
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 0 && n <= 64) return n;
  } else {
    const name = text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
    const n = (os.constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
  }
  throw new RuntsError(`unknown signal "${text}"`, 'invalid');
}
