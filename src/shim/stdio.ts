// Opens the stdio containerd names for a process (fifo paths, file:// or binary:// log URIs) as
// the fds the runtime hands to it, or relays them to its pty. stdin goes through a socketpair the
// shim feeds from the fifo, so CloseIO can give the process its EOF; output fifos are written by
// the shim from socketpairs too (output-relay.ts says why).
import * as fs from 'fs';
import * as net from 'net';
import { RuntsError, systemError } from '../foundation/errors';
import * as native from '../native';
import { ConsoleRelay } from './console-relay';
import { LoggingBinary, LogTarget, openLogFile, parseLogUri } from './log-uri';
import { OutputRelay, relayOutput } from './output-relay';
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
  private logger: LoggingBinary | undefined;
  private relays: OutputRelay[] = [];

  private constructor(
    readonly io: ProcessIO,
    private readonly ownedChildEnds: number[],
  ) {}

  /**
   * Opens what containerd named. With a terminal the process gets none of it (its stdio is the
   * pty): stdin and stdout are relayed to the pty master once attachConsole hands it over.
   */
  static async open(paths: StdioPaths, target: LogTarget, terminal = false): Promise<ProcessStdio> {
    const ends: number[] = [];
    let logger: LoggingBinary | undefined;
    const relays: OutputRelay[] = [];
    try {
      const outputs = await openOutputs(terminal ? { ...paths, stderr: '' } : paths, target);
      logger = outputs.logger;
      let { stdout, stderr } = outputs;
      if (outputs.fifos && !terminal) {
        const relay = (fd: number | null) => {
          if (fd === null) return null;
          relays.push(relayOutput(fd));
          return relays[relays.length - 1].childEnd;
        };
        [stdout, stderr] = [relay(stdout), relay(stderr)];
      }
      for (const fd of new Set([stdout, stderr])) if (fd !== null) ends.push(fd);
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
      stdio.logger = logger;
      stdio.relays = relays;
      if (terminal) {
        stdio.consoleOutput = stdout ?? undefined;
        if (stderr !== null && stderr !== stdout) fs.closeSync(stderr); // a pty has one output
      }
      return stdio;
    } catch (err) {
      for (const fd of ends) fs.closeSync(fd);
      for (const r of relays) r.close();
      logger?.stop();
      throw err;
    }
  }

  /** Starts relaying between the pty master (now ours) and containerd's stdin/stdout. */
  attachConsole(master: number): void {
    this.console = new ConsoleRelay(master, this.stdinSource, this.consoleOutput);
    this.consoleOutput = undefined;
  }

  /** Sets the terminal's window size (the process gets SIGWINCH). */
  resize(width: number, height: number): void {
    if (!this.console) throw new RuntsError('it has no terminal', 'state');
    this.console.resize(width, height);
  }

  /** Resolves when the output reached containerd's fifos, or after timeoutMs. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.console) return this.console.drained(timeoutMs);
    if (!this.relays.length) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.relays.map((r) => r.done)), timeout]).finally(() => clearTimeout(timer));
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
    for (const r of this.relays.splice(0)) r.close();
    if (this.consoleOutput !== undefined) fs.closeSync(this.consoleOutput);
    this.consoleOutput = undefined;
    this.logger?.stop();
  }
}

/** stdout and stderr: fifos whose reader containerd opened already, or one log URI for both. */
async function openOutputs(paths: StdioPaths, target: LogTarget): Promise<{ stdout: number | null; stderr: number | null; fifos?: boolean; logger?: LoggingBinary }> {
  const url = paths.stdout ? parseLogUri(paths.stdout) : undefined;
  if (!url || url.protocol === 'fifo:') {
    return {
      fifos: true,
      stdout: paths.stdout ? await openFifo(url ? decodeURIComponent(url.pathname) : paths.stdout) : null,
      stderr: paths.stderr ? await openFifo(paths.stderr) : null,
    };
  }
  if (url.protocol === 'file:') {
    const fd = openLogFile(url);
    return { stdout: fd, stderr: fd };
  }
  if (url.protocol === 'binary:') {
    const logger = await LoggingBinary.start(url, target);
    return { stdout: logger.stdout, stderr: logger.stderr, logger };
  }
  throw new RuntsError(`open stdio ${paths.stdout}: ${url.protocol.slice(0, -1)}:// is not a log URI the shim knows (fifo, file, binary)`, 'unsupported');
}

async function openFifo(fifo: string): Promise<number> {
  try {
    // Blocking O_WRONLY (no reader yet: O_NONBLOCK would fail with ENXIO) on libuv's pool.
    return await new Promise<number>((resolve, reject) =>
      fs.open(fifo, fs.constants.O_WRONLY, (err, fd) => (err ? reject(err) : resolve(fd))),
    );
  } catch (err) {
    throw systemError(`open stdio fifo ${fifo}`, err);
  }
}

function openFile(file: string, flags: number, what: string): number {
  try {
    return fs.openSync(file, flags, 0o640);
  } catch (err) {
    throw systemError(`open ${what} ${file}`, err);
  }
}

