// A command's output on stdout, and its log lines on stderr, written straight to fd 1 and 2.
// process.stdout and process.stderr would first build a stream for the fd (on a pipe, as engines
// give runts, that loads net and the stream modules: ~6 ms of CPU for stdout, 5-10 ms for stderr,
// for a few hundred bytes); runts writes its output at once and exits.
import * as fs from 'fs';

const STREAMS = { 1: () => process.stdout, 2: () => process.stderr };

/** The fds a write has failed on: from then on their stream writes, so nothing overtakes what it queued. */
const viaStream = new Set<1 | 2>();

function writeTo(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (!viaStream.has(fd) && written < bytes.length) written += fs.writeSync(fd, bytes, written);
  } catch {
    // EAGAIN (an fd another process made non-blocking), EPIPE, ...: the stream handles them as
    // it always has.
    viaStream.add(fd);
  }
  if (viaStream.has(fd)) STREAMS[fd]().write(bytes.subarray(written));
}

export const print = (text: string): void => writeTo(1, text);
export const printError = (text: string): void => writeTo(2, text);
