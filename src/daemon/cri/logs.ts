// Container output in the CRI log format kubelet and crictl read: one entry per line,
// `<RFC3339Nano time> <stdout|stderr> <F|P> <text>\n`, where P marks a piece of a line longer
// than the buffer (the rest follows) and F the end of a line. The shim writes into fifos; runtsd
// reads them without ever blocking a thread: each fifo is opened read-write first (so opening
// never waits for a writer), then read through a non-blocking read end, and the read-write end
// is dropped once the shim holds its own, so EOF comes when the container's last writer goes.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { mkfifo } from '../../native';

/** kubelet's limit for one entry: longer lines are split into P entries. */
export const MAX_LINE = 16 * 1024;

export type StreamName = 'stdout' | 'stderr';

export interface LogSink {
  write(stream: StreamName, tag: 'F' | 'P', text: Buffer): void;
}

/** Writes CRI entries to a file that ReopenContainerLog can swap for a fresh one. */
export class CriLogFile implements LogSink {
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.reopen();
  }

  reopen(): void {
    this.close();
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
  }

  write(stream: StreamName, tag: 'F' | 'P', text: Buffer): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, Buffer.concat([Buffer.from(`${new Date().toISOString()} ${stream} ${tag} `), text, Buffer.from('\n')]));
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Splits a byte stream into CRI entries: F per newline, P when a line outgrows MAX_LINE. */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly stream: StreamName, private readonly sink: LogSink) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl >= 0 && nl <= MAX_LINE) {
        const end = nl > 0 && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        this.sink.write(this.stream, 'F', buf.subarray(0, end));
        buf = buf.subarray(nl + 1);
      } else if (buf.length > MAX_LINE) {
        this.sink.write(this.stream, 'P', buf.subarray(0, MAX_LINE));
        buf = buf.subarray(MAX_LINE);
      } else {
        break;
      }
    }
    this.pending = Buffer.from(buf);
  }

  /** At EOF a last unterminated line is a whole entry, as containerd writes it. */
  end(): void {
    if (this.pending.length) this.sink.write(this.stream, 'F', this.pending);
    this.pending = Buffer.alloc(0);
  }
}

export interface FifoReader {
  path: string;
  /** Settles at EOF (every writer closed) or on close(). */
  done: Promise<void>;
  /** Drops the read-write end taken at open, once the other side holds the fifo. */
  release(): void;
  close(): void;
}

/** Makes (if missing) and opens a fifo for reading without blocking; data goes to onData. */
export function readFifo(file: string, onData: (chunk: Buffer) => void): FifoReader {
  if (!fs.existsSync(file)) mkfifo(file, 0o600);
  let keeper: number | undefined = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const socket = new net.Socket({ fd, readable: true, writable: false });
  socket.on('data', onData);
  const done = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
    socket.once('error', () => resolve());
  });
  const release = () => {
    if (keeper !== undefined) fs.closeSync(keeper);
    keeper = undefined;
  };
  return { path: file, done, release, close: () => { release(); socket.destroy(); } };
}

/** Raw output as it arrives, for attached clients. */
export type OutputListener = (stream: StreamName, chunk: Buffer) => void;

/** A container's (or exec's) output fifos feeding a sink; done when both reached EOF. */
export interface OutputPipe {
  stdout: string;
  stderr: string;
  done: Promise<void>;
  release(): void;
  /** Adds a listener of every chunk from now on; returns the function that removes it. */
  subscribe(listener: OutputListener): () => void;
  close(): void;
}

export function pipeOutput(dir: string, name: string, sink: LogSink): OutputPipe {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const listeners = new Set<OutputListener>();
  const readers = (['stdout', 'stderr'] as StreamName[]).map((stream) => {
    const splitter = new LineSplitter(stream, sink);
    const reader = readFifo(path.join(dir, `${name}-${stream}`), (chunk) => {
      splitter.push(chunk);
      for (const listener of listeners) listener(stream, chunk);
    });
    reader.done.then(() => splitter.end());
    return reader;
  });
  return {
    stdout: readers[0].path,
    stderr: readers[1].path,
    done: Promise.all(readers.map((r) => r.done)).then(() => undefined),
    release: () => readers.forEach((r) => r.release()),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => readers.forEach((r) => r.close()),
  };
}
