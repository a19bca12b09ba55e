// A process's terminal as containerd sees it: the shim holds the pty master and relays it to
// the stdin/stdout fifos containerd gave; ResizePty sets the master's window size.
import * as net from 'net';
import * as tty from 'tty';
import * as native from '../native';

export class ConsoleRelay {
  private readonly pty: tty.ReadStream;
  private readonly output: net.Socket | undefined;
  private readonly finished: Promise<void>;

  /** Owns master and outputFd from now on; input (stdin) is only read from. */
  constructor(
    private readonly master: number,
    input: net.Socket | undefined,
    outputFd: number | undefined,
  ) {
    // one stream both ways: a second handle on the same fd would close it twice
    this.pty = new tty.ReadStream(master, { writable: true } as ConstructorParameters<typeof net.Socket>[0]);
    this.output = outputFd === undefined ? undefined : new net.Socket({ fd: outputFd, readable: false, writable: true });
    const output = this.output;
    this.finished = new Promise((resolve) => {
      // the pty hangs up (EIO) once the last process holding its slave exited
      const hangUp = () => (output && !output.destroyed ? output.end(() => resolve()) : resolve());
      this.pty.once('end', hangUp);
      this.pty.once('error', hangUp);
      output?.once('close', () => resolve());
    });
    if (output) {
      // a reader that went away must not stall the process on a full pty
      output.on('error', () => {
        this.pty.unpipe(output);
        this.pty.resume();
      });
      this.pty.pipe(output, { end: false });
    } else {
      this.pty.resume();
    }
    input?.pipe(this.pty, { end: false });
  }

  /** TIOCSWINSZ on the master: the process gets SIGWINCH. */
  resize(width: number, height: number): void {
    native.setWindowSize(this.master, height, width);
  }

  /** Resolves once the output reached containerd, or after timeoutMs (a pty kept open elsewhere). */
  drained(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.pty.destroy();
    this.output?.destroy();
  }
}
