// Runs a program to completion for runtsd (a shim's `start`/`delete`, a CNI plugin) without
// child_process: libuv forks the whole daemon for each child, ~5-7 ms of the JS thread copying
// page tables; the addon's posix_spawn does not. Input goes to its stdin, both outputs are
// collected, the exit comes from a pidfd.
import * as net from 'net';
import { exited, spawnProgram } from '../native';

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** written to its stdin, which is then closed */
  input?: Buffer | string;
  /** SIGKILL after this long */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** exit code, or null when a signal ended it */
  status: number | null;
  signal: number | null;
}

/** Everything a pipe yields until EOF; the socket owns (and closes) the fd. */
function collect(fd: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    pipe.on('data', (chunk: Buffer) => chunks.push(chunk));
    pipe.on('error', () => pipe.destroy()); // what was read so far is the output
    pipe.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

function feed(fd: number, input: Buffer | string | undefined): void {
  const pipe = new net.Socket({ fd, readable: false, writable: true });
  pipe.on('error', () => pipe.destroy()); // a program that does not read its stdin is fine
  pipe.end(input ?? '');
}

/**
 * Starts `file` (a path, no PATH search) with argv [file, ...args] and resolves once it has exited
 * and closed both outputs, as child_process's 'close'. A program that cannot be started rejects
 * with child_process's error: "spawn FILE ENOENT", code ENOENT.
 */
export async function runProgram(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const env = Object.entries(options.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  let child;
  try {
    child = spawnProgram(file, [file, ...args], env, options.cwd ?? null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`spawn ${file} ${code}`), { code, errno: (err as NodeJS.ErrnoException).errno, syscall: `spawn ${file}`, path: file });
  }
  const { pid } = child;
  const outputs = Promise.all([collect(child.stdout), collect(child.stderr)]);
  feed(child.stdin, options.input);
  let running = true;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    if (running) process.kill(pid, 'SIGKILL'); // not yet reaped: the pid is still ours
  }, options.timeoutMs);
  const exit = await exited(pid);
  running = false;
  const [stdout, stderr] = await outputs;
  if (timer) clearTimeout(timer);
  return { stdout, stderr, status: exit?.code ?? null, signal: exit?.signal ?? null };
}
