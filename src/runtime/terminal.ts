// `run` with process.terminal and no --console-socket: runts receives the pty master itself
// and relays it to its own terminal, as runc does.
import * as fs from 'fs';
import * as tty from 'tty';
import * as native from '../native';
import { RuntsError } from '../foundation/errors';

export interface ConsoleReceiver {
  /** the fd to hand to create as the console socket */
  childEnd: number;
  /** resolves with the pty master once the init sent it */
  master: Promise<number>;
  close(): void;
}

export function consoleReceiver(): ConsoleReceiver {
  const [ours, theirs] = native.streamSocketPair();
  const master = (async () => {
    for (;;) {
      const got = native.receiveFd(ours);
      if (got === null) throw new RuntsError('the container closed its console socket without sending a pty', 'system');
      if (got !== undefined) return got.fd;
      await native.readable(ours);
    }
  })();
  master.catch(() => { /* reported by create */ });
  return {
    childEnd: theirs,
    master,
    close() {
      for (const fd of [ours, theirs]) {
        try { fs.closeSync(fd); } catch { /* closed */ }
      }
    },
  };
}

/**
 * Copies stdin -> pty and pty -> stdout until the pty hangs up; raw mode while it lasts. When our
 * stdout is a terminal, the pty follows its size (now and on every SIGWINCH), as runc's does.
 */
export function relayTerminal(master: number): { done: Promise<void> } {
  const input = new tty.ReadStream(master);
  const output = new tty.WriteStream(master);
  const stdin = process.stdin;
  const rawWas = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  // Our stdin ending (a closed pipe) must not close the pty: the container keeps running.
  stdin.pipe(output, { end: false });
  input.pipe(process.stdout, { end: false });
  const followSize = () => {
    try {
      native.setWindowSize(master, process.stdout.rows, process.stdout.columns);
    } catch { /* the pty is gone */ }
  };
  if (process.stdout.isTTY) {
    followSize();
    process.on('SIGWINCH', followSize);
  }
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      process.off('SIGWINCH', followSize);
      stdin.unpipe(output);
      stdin.pause();
      if (stdin.isTTY) stdin.setRawMode(rawWas);
      resolve();
    };
    input.on('end', finish);
    input.on('error', finish); // EIO once the last slave fd is closed
  });
  return { done };
}
