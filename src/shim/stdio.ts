// Opens the stdio containerd names for a process (fifo paths, file:// URIs) as the fds the
// runtime hands to it. stdin goes through a socketpair the shim feeds from the fifo, so
// CloseIO can give the process its EOF.
import * as fs from 'fs';
import * as net from 'net';
import { RuntsError, systemError } from '../runtime/errors';
import * as native from '../native';
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

  private constructor(
    readonly io: ProcessIO,
    private readonly ownedChildEnds: number[],
  ) {}

  static async open(paths: StdioPaths): Promise<ProcessStdio> {
    const ends: number[] = [];
    try {
      const stdout = paths.stdout ? await openOutput(paths.stdout) : null;
      if (stdout !== null) ends.push(stdout);
      const stderr = paths.stderr ? await openOutput(paths.stderr) : null;
      if (stderr !== null) ends.push(stderr);
      let stdin: number | null = null;
      let feed: net.Socket | undefined;
      let source: net.Socket | undefined;
      let keepalive: number | undefined;
      if (paths.stdin) {
        const fifo = openFile(paths.stdin, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, 'stdin');
        // our own writer keeps the fifo from reading EOF before the client attached; CloseIO
        // drops it, and what the client wrote still drains before the process sees EOF
        keepalive = openFile(paths.stdin, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK, 'stdin');
        const [ours, theirs] = native.streamSocketPair();
        ends.push(theirs);
        stdin = theirs;
        feed = new net.Socket({ fd: ours, readable: false, writable: true });
        source = new net.Socket({ fd: fifo, readable: true, writable: false });
        feed.on('error', () => source?.destroy());
        source.on('error', () => feed?.end());
        source.pipe(feed);
      }
      const stdio = new ProcessStdio({ stdin, stdout, stderr }, ends);
      stdio.stdinFeed = feed;
      stdio.stdinSource = source;
      stdio.stdinKeepalive = keepalive;
      return stdio;
    } catch (err) {
      for (const fd of ends) fs.closeSync(fd);
      throw err;
    }
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
