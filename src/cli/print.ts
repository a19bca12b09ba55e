// A command's output on stdout, written straight to fd 1. process.stdout would first build a
// stream for the fd (on a pipe, as engines give runts, that loads net and the stream modules:
// ~6 ms of CPU for a few hundred bytes); runts prints its output at once and exits.
import * as fs from 'fs';

/** Set once a write has failed: from then on the stream writes, so nothing overtakes what it queued. */
let viaStream = false;

export function print(text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (!viaStream && written < bytes.length) written += fs.writeSync(1, bytes, written);
  } catch {
    // EAGAIN (an fd another process made non-blocking), EPIPE, ...: the stream handles them as
    // it always has.
    viaStream = true;
  }
  if (viaStream) process.stdout.write(bytes.subarray(written));
}
