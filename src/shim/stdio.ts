// Opens the stdio containerd names for a process (fifo paths, file:// URIs) as the fds the
// runtime hands to it. stdin goes through a socketpair the shim feeds from the fifo, so
// CloseIO can give the process its EOF.
import * as fs from 'fs';
import * as net from 'net';
import { RuntsError, systemError } from '../runtime/errors';
import * as native from '../native';
import { ConsoleRelay } from './console-relay';
import { ProcessIO } from './task-runtime';

export interface StdioPaths {
  stdin: string;
  stdout: string;
  stderr: string;
}

export class ProcessStdio {
  private stdinFeed: net.Socket | undefined;
  private stdinSource: net.Socket | undefined;
  private stdinKeepalive: number | undefined;
  /** terminal: where the pty's output goes (the stdout fifo) */
  private consoleOutput: number | undefined;
  private console: ConsoleRelay | undefined;

  private constructor(
    readonly io: ProcessIO,
    private readonly ownedChildEnds: number[],
  ) {}

  /**
   * Opens what containerd named. With a terminal the process gets none of it (its stdio is the
   * pty): stdin and stdout are relayed to the pty master once attachConsole hands it over.
   */
  static async open(paths: StdioPaths, terminal = false): Promise<ProcessStdio> {
    const ends: number[] = [];
    try {
      const stdout = paths.stdout ? await openOutput(paths.stdout) : null;
      if (stdout !== null) ends.push(stdout);
      const stderr = paths.stderr && !terminal ? await openOutput(paths.stderr) : null;
      if (stderr !== null) ends.push(stderr);
      let source: net.Socket | undefined;
      let keepalive: number | undefined;
      let feed: net.Socket | undefined;
      let stdin: number | null = null;
      if (paths.stdin) {
        const fifo = openFile(paths.stdin, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, 'stdin');
        // our own writer keeps the fifo from reading EOF before the client attached; CloseIO
        // drops it, and what the client wrote still drains before the process sees EOF
        keepalive = openFile(paths.stdin, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK, 'stdin');
        source = new net.Socket({ fd: fifo, readable: true, writable: false });
        if (!terminal) {
          const [ours, theirs] = native.streamSocketPair();
          ends.push(theirs);
          stdin = theirs;
          feed = new net.Socket({ fd: ours, readable: false, writable: true });
          feed.on('error', () => source?.destroy());
          source.on('error', () => feed?.end());
          source.pipe(feed);
        }
      }
      const stdio = terminal ? new ProcessStdio({ stdin: null, stdout: null, stderr: null }, []) : new ProcessStdio({ stdin, stdout, stderr }, ends);
      stdio.stdinFeed = feed;
      stdio.stdinSource = source;
      stdio.stdinKeepalive = keepalive;
      if (terminal) stdio.consoleOutput = stdout ?? undefined;
      return stdio;
    } catch (err) {
      for (const fd of ends) fs.closeSync(fd);
      throw err;
    }
  }

  /** Starts relaying between the pty master (now ours) and containerd's stdin/stdout. */
  attachConsole(master: number): void {
    this.console = new ConsoleRelay(master, this.stdinSource, this.consoleOutput);
    this.consoleOutput = undefined;
  }

  /** Sets the terminal's window size (the process gets SIGWINCH). */
  resize(width: number, height: number): Promise<void> {
    if (!this.console) throw new RuntsError('it has no terminal', 'state');
    return this.console.resize(width, height);
  }

  /** Resolves when the terminal's output reached containerd (at once without a terminal). */
  drained(timeoutMs: number): Promise<void> {
    return this.console?.drained(timeoutMs) ?? Promise.resolve();
  }

  /** The launched process holds its own copies now: drop ours so EOF reaches the readers. */
  releaseChildEnds(): void {
    for (const fd of this.ownedChildEnds.splice(0)) fs.closeSync(fd);
  }

  /** No more input will come: the process gets EOF once what was written is delivered. */
  closeStdin(): void {
    if (this.stdinKeepalive === undefined) return;
    fs.closeSync(this.stdinKeepalive);
    this.stdinKeepalive = undefined;
  }

  close(): void {
    this.releaseChildEnds();
    this.closeStdin();
    this.stdinSource?.destroy();
    this.stdinFeed?.destroy();
    this.console?.close();
    if (this.consoleOutput !== undefined) fs.closeSync(this.consoleOutput);
    this.consoleOutput = undefined;
  }
}

/** stdout/stderr: a fifo whose reader containerd opened already, or a file:// log. */
async function openOutput(target: string): Promise<number> {
  const url = parseUri(target);
  if (url?.protocol === 'file:') {
    return openFile(decodeURIComponent(url.pathname), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 'log file');
  }
  if (url) throw new RuntsError(`open stdio ${target}: ${url.protocol.slice(0, -1)}:// log URIs are not supported yet`, 'unsupported');
  try {
    // Blocking O_WRONLY (not O_NONBLOCK, which the process would inherit) on libuv's pool.
    return await new Promise<number>((resolve, reject) =>
      fs.open(target, fs.constants.O_WRONLY, (err, fd) => (err ? reject(err) : resolve(fd))),
    );
  } catch (err) {
    throw systemError(`open stdio fifo ${target}`, err);
  }
}

function openFile(file: string, flags: number, what: string): number {
  try {
    return fs.openSync(file, flags, 0o640);
  } catch (err) {
    throw systemError(`open ${what} ${file}`, err);
  }
}

function parseUri(target: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return undefined;
  return new URL(target);
}
