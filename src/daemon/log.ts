// runtsd's log: one line per event on stderr, `time level msg key=value...` like containerd.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** out: process.stderr unless given, looked up at the first line (creating it costs 1-3 ms). */
export function createLogger(level: LogLevel, out?: NodeJS.WritableStream): Logger {
  const min = ORDER.indexOf(level);
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER.indexOf(lvl) < min) return;
    const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('');
    (out ?? process.stderr).write(`time="${new Date().toISOString()}" level=${lvl} msg=${JSON.stringify(msg)}${extra}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const isLogLevel = (s: string): s is LogLevel => (ORDER as string[]).includes(s);
