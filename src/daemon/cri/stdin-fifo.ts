// The write end of a process's stdin fifo, opened without ever blocking a thread: a new fifo is
// first opened read-write (so the write end opens at once, before the shim holds the read end),
// and that extra end is dropped once the shim has its own. The shim keeps a writer of its own
// too, so the process gets EOF only from CloseIO, never because runtsd closed this end.
import * as fs from 'fs';
import * as net from 'net';
import { mkfifo } from '../../native';

export interface StdinWriter {
  path: string;
  stream: net.Socket;
  /** Drops the read-write end taken for a new fifo, once the shim opened it. */
  release(): void;
  close(): void;
}

/** fresh: a fifo of a process not started yet; otherwise the shim must already hold it (ENXIO if not). */
export function writeStdinFifo(file: string, fresh: boolean): StdinWriter {
  if (fresh && !fs.existsSync(file)) mkfifo(file, 0o600);
  let keeper: number | undefined = fresh ? fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK) : undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (keeper !== undefined) fs.closeSync(keeper);
    throw err;
  }
  const stream = new net.Socket({ fd, readable: false, writable: true });
  // the shim went away (EPIPE): input has nowhere to go, the session ends with the process
  stream.on('error', () => undefined);
  const release = () => {
    if (keeper !== undefined) fs.closeSync(keeper);
    keeper = undefined;
  };
  return { path: file, stream, release, close: () => { release(); stream.destroy(); } };
}

/** Copies the client's input into the fifo; at its end the fifo's writer closes once flushed and
 *  closed() runs (the caller's CloseIO). */
export function forwardInput(input: NodeJS.ReadableStream, writer: StdinWriter, closed: () => void): void {
  input.pipe(writer.stream, { end: false });
  input.once('end', () => writer.stream.end(() => {
    writer.close();
    closed();
  }));
}
