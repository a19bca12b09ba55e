// A process's stdout or stderr fifo, written by the shim instead of the process: the process gets
// one end of a socketpair and the shim copies what arrives into the fifo.
// Why: a process that sendfile()s into a pipe (busybox cat does, stdin to stdout) holds that
// pipe's lock while it waits for input (the kernel's splice_file_to_pipe), and every other user
// of the fifo sleeps uninterruptibly meanwhile: the reader's read (even O_NONBLOCK) and its
// close (pipe_release). runtsd reads these fifos on its one JS thread, so it stalled, and could
// never send the input that would have freed it. Into a socket, sendfile uses a private pipe.
// The shim also holds a read end, as containerd's shim does, so a reader that goes away (runtsd
// restarting) makes the process wait on a full fifo instead of failing its writes, and tearing
// the relay down, for good.
import * as fs from 'fs';
import * as net from 'net';
import * as native from '../native';

export interface OutputRelay {
  /** The process's end: the caller hands it over and closes its copy after the launch. */
  childEnd: number;
  /** Settles once everything the process wrote is in the fifo (or the reader is gone). */
  done: Promise<void>;
  close(): void;
}

/** Takes ownership of fifoFd, an open write end. */
export function relayOutput(fifoFd: number): OutputRelay {
  const keeper = fs.openSync(`/proc/self/fd/${fifoFd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const [ours, theirs] = native.streamSocketPair();
  const source = new net.Socket({ fd: ours, readable: true, writable: false });
  const sink = new net.Socket({ fd: fifoFd, readable: false, writable: true });
  let kept = true;
  const dropKeeper = () => {
    if (kept) fs.closeSync(keeper);
    kept = false;
  };
  const done = new Promise<void>((resolve) => {
    sink.once('finish', resolve);
    sink.once('close', resolve);
  }).then(dropKeeper);
  // cannot write at all any more: the process's next write fails (EPIPE)
  sink.on('error', () => source.destroy());
  source.on('error', () => sink.end());
  source.pipe(sink);
  return {
    childEnd: theirs,
    done,
    close: () => {
      source.destroy();
      sink.destroy();
      dropKeeper();
    },
  };
}
