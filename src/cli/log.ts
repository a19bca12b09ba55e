// runc's error output: with --log the line goes to that file (text or JSON, which conmon and
// containerd parse) and the plain message to stderr; without it a logrus-style line on stderr.
import * as fs from 'fs';
import { printError } from './print';

export interface LogOptions {
  log?: string;
  logFormat?: string;
  debug?: boolean;
}

let options: LogOptions = {};
export const configureLog = (o: LogOptions) => (options = o);

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function line(level: string, msg: string, format = options.logFormat ?? 'text'): string {
  if (format === 'json') return JSON.stringify({ level, msg, time: timestamp() }) + '\n';
  return `time="${timestamp()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function emit(level: string, msg: string): void {
  if (options.log) {
    try {
      fs.appendFileSync(options.log, line(level, msg));
    } catch {
      printError(line(level, msg, 'text'));
    }
    if (level === 'error') printError(msg + '\n');
  } else {
    printError(line(level, msg, 'text'));
  }
}

export const logError = (msg: string) => emit('error', msg);
export const logWarning = (msg: string) => emit('warning', msg);
export const logDebug = (msg: string) => {
  if (options.debug) emit('debug', msg);
};
