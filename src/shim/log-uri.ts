// Log URIs in place of stdio fifos, as containerd's runc shim understands them (the stdout URI
// decides for both streams): file:///path appends stdout and stderr to one file;
// binary:///path?k=v starts that logging binary with the process's stdout on its fd 3, stderr
// on fd 4 and a ready pipe on fd 5 it closes once it reads, env CONTAINER_ID/CONTAINER_NAMESPACE
// and the query as arguments (k v ...).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as native from '../native';
import { RuntsError, systemError } from '../foundation/errors';

/** Whose output a logging binary receives. */
export interface LogTarget {
  containerId: string;
  namespace: string;
}

const LOGGER_READY_MS = 10_000;
/** After the last writer closed, how long a logger may take to flush before SIGTERM, then SIGKILL. */
const LOGGER_EXIT_MS = 2_000;
const LOGGER_KILL_MS = 10_000;

export function parseLogUri(target: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return undefined;
  try {
    return new URL(target);
  } catch {
    throw new RuntsError(`open stdio ${target}: not a valid URI`, 'invalid');
  }
}

/** file://: the file (and its directory) created if needed, opened for appending. */
export function openLogFile(url: URL): number {
  const file = decodeURIComponent(url.pathname);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  } catch (err) {
    throw systemError(`open log file ${file}`, err);
  }
}

export class LoggingBinary {
  private constructor(
    private readonly child: ChildProcess,
    /** the write ends the process gets as stdout and stderr */
    readonly stdout: number,
    readonly stderr: number,
  ) {}

  static async start(url: URL, target: LogTarget): Promise<LoggingBinary> {
    const binary = decodeURIComponent(url.pathname);
    const args: string[] = [];
    for (const [key, value] of url.searchParams) args.push(key, ...(value ? [value] : []));
    const opened: number[] = [];
    try {
      const [outRead, outWrite] = pipe();
      const [errRead, errWrite] = pipe();
      const [readyRead, readyWrite] = pipe();
      opened.push(outRead, outWrite, errRead, errWrite, readyRead, readyWrite);
      const child = spawn(binary, args, {
        stdio: ['ignore', 'ignore', 'ignore', outRead, errRead, readyWrite],
        env: { CONTAINER_ID: target.containerId, CONTAINER_NAMESPACE: target.namespace },
      });
      if (child.pid === undefined) {
        throw await new Promise<Error>((resolve) => child.once('error', (err) => resolve(systemError(`start logging binary ${binary}`, err))));
      }
      for (const fd of [outRead, errRead, readyWrite]) fs.closeSync(fd);
      opened.splice(0, opened.length, outWrite, errWrite, readyRead);
      // ready: the binary closed fd 5 (EOF) or wrote to it
      await native.readable(readyRead, LOGGER_READY_MS).catch(() => {
        child.kill('SIGKILL');
        throw new RuntsError(`logging binary ${binary} did not close its ready pipe (fd 5) within ${LOGGER_READY_MS} ms`, 'system');
      });
      fs.closeSync(readyRead);
      return new LoggingBinary(child, outWrite, errWrite);
    } catch (err) {
      for (const fd of opened) fs.closeSync(fd);
      throw err;
    }
  }

  /** The process is gone: the binary reads EOF and should exit; it is ended if it lingers. */
  stop(): void {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const term = setTimeout(() => child.kill('SIGTERM'), LOGGER_EXIT_MS);
    const kill = setTimeout(() => child.kill('SIGKILL'), LOGGER_EXIT_MS + LOGGER_KILL_MS);
    term.unref();
    kill.unref();
    child.once('exit', () => {
      clearTimeout(term);
      clearTimeout(kill);
    });
  }
}

/** A pipe (Node has no pipe(2)): a fifo opened at both ends, then unlinked. Both ends block. */
function pipe(): [number, number] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-shim-pipe-'));
  const fifo = path.join(dir, 'pipe');
  try {
    native.mkfifo(fifo, 0o600);
    const probe = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const write = fs.openSync(fifo, fs.constants.O_WRONLY); // a reader exists: no wait
      return [fs.openSync(fifo, fs.constants.O_RDONLY), write]; // a writer exists: no wait
    } finally {
      fs.closeSync(probe);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
