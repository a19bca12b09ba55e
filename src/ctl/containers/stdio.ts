// The client's end of a process's stdio, as containerd's cio does it: fifos runtsctl creates and
// reads/writes while the shim holds the other ends; output is also appended to the container's
// log so `logs` shows a foreground run too.
import * as fs from 'fs';
import * as path from 'path';
import { mkfifo } from '../../native';

export interface FifoSet {
  stdin: string;
  stdout: string;
  stderr: string;
}

export interface Attached {
  /** Settles when every output stream has reached EOF (the shim closed its ends). */
  drained: Promise<void>;
  /** Settles when our stdin ended (then the caller sends CloseIO). */
  stdinDone: Promise<void>;
  close(): void;
}

export function makeFifos(dir: string, name: string, stdin: boolean, stderr: boolean): FifoSet {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const make = (stream: string) => {
    const p = path.join(dir, `${name}-${stream}`);
    fs.rmSync(p, { force: true });
    mkfifo(p, 0o600);
    return p;
  };
  return { stdin: stdin ? make('stdin') : '', stdout: make('stdout'), stderr: stderr ? make('stderr') : '' };
}

/** Unblocks a pending open of ours on each fifo (by being its other end), then removes them. */
export function removeFifos(fifos: FifoSet): void {
  for (const p of [fifos.stdin, fifos.stdout, fifos.stderr]) {
    if (!p) continue;
    try {
      fs.closeSync(fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK));
    } catch {
      // gone already
    }
    fs.rmSync(p, { force: true });
  }
}

export function attach(fifos: FifoSet, input: NodeJS.ReadableStream | undefined, log: string | undefined): Attached {
  const logFd = log ? fs.openSync(log, 'a') : undefined;
  const pump = (fifo: string, out: NodeJS.WritableStream) => new Promise<void>((resolve) => {
    const stream = fs.createReadStream(fifo);
    stream.on('data', (chunk) => {
      out.write(chunk);
      if (logFd !== undefined) fs.writeSync(logFd, chunk as Buffer);
    });
    stream.on('end', resolve);
    stream.on('error', () => resolve());
  });
  const outputs = [pump(fifos.stdout, process.stdout)];
  if (fifos.stderr) outputs.push(pump(fifos.stderr, process.stderr));
  let stdinDone: Promise<void> = new Promise(() => undefined);
  if (fifos.stdin && input) {
    const sink = fs.createWriteStream(fifos.stdin);
    stdinDone = new Promise((resolve) => {
      sink.on('error', () => resolve());
      input.on('end', () => sink.end(resolve));
      input.pipe(sink, { end: false });
    });
  }
  return {
    drained: Promise.all(outputs).then(() => undefined),
    stdinDone,
    close: () => {
      if (logFd !== undefined) fs.closeSync(logFd);
    },
  };
}
