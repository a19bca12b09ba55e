// Starts a real runtsd (the built bin/runtsd) on a private socket and root, and drives it with
// the real ctr client. Each test file gets its own temp directory; stop() kills the daemon by
// pid and removes everything.
import * as fs from 'fs';
import * as os from 'os';
import * as net from 'net';
import * as path from 'path';
import { ChildProcess, spawn, spawnSync } from 'child_process';

const REPO = path.resolve(__dirname, '../../..');
export const RUNTSD = path.join(REPO, 'bin', 'runtsd');

export interface CtrResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Daemon {
  dir: string;
  socket: string;
  root: string;
  process: ChildProcess;
  /** Runs ctr against this daemon; throws with ctr's stderr when it fails. */
  ctr(...args: string[]): string;
  /** Runs ctr and returns its exit status and output, failing or not. */
  ctrResult(...args: string[]): CtrResult;
  /** Runs ctr and returns its raw stdout (for blobs). */
  ctrBytes(...args: string[]): Buffer;
  log(): string;
  /** Restarts on the same root (after a crash or a stop). */
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  stop(): Promise<void>;
}

const accepts = (socket: string) => new Promise<boolean>((resolve) => {
  const probe = net.connect(socket);
  probe.once('connect', () => { probe.destroy(); resolve(true); });
  probe.once('error', () => resolve(false));
});

async function waitFor(cond: () => Promise<boolean>, what: string, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** program: another checkout's bin/runtsd (test/integration/startup/daemon-bundle.test.ts). */
export async function startDaemon(prefix: string, env: NodeJS.ProcessEnv = {}, extraArgs: string[] = [], program = RUNTSD): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runtsd-${prefix}-`));
  const socket = path.join(dir, 'run', 'runtsd.sock');
  const root = path.join(dir, 'root');
  const logFile = path.join(dir, 'runtsd.log');
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);

  const launch = async () => {
    const logFd = fs.openSync(logFile, 'a');
    // As users start it: under the pinned Node and bin/runtsd's flags, not jest's Node.
    child = spawn(program, ['--address', socket, '--root', root, '--state', path.join(dir, 'state'), '--log-level', 'debug', ...extraArgs], {
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, ...env },
    });
    fs.closeSync(logFd);
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    let gone = false;
    exited.then(() => { gone = true; });
    // A socket file may be a stale one from a killed daemon: wait until it accepts.
    await waitFor(async () => gone || accepts(socket), `runtsd socket ${socket}`);
    if (gone) throw new Error(`runtsd exited at start-up:\n${fs.readFileSync(logFile, 'utf8')}`);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill(signal);
    // runtsd bounds its own shutdown at 15 s; past 20 s it is killed so no test leaves it behind.
    const hard = setTimeout(() => child?.kill('SIGKILL'), 20_000);
    try {
      return await exited;
    } finally {
      clearTimeout(hard);
    }
  };

  const ctrRaw = (args: string[]) =>
    spawnSync('ctr', ['-a', socket, ...args], { timeout: 60000, maxBuffer: 1 << 30 });
  const ctrResult = (...args: string[]): CtrResult => {
    const r = ctrRaw(args);
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  };

  await launch();
  return {
    dir,
    socket,
    root,
    get process() { return child!; },
    ctr: (...args) => {
      const r = ctrResult(...args);
      if (r.status !== 0) throw new Error(`ctr ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    ctrResult,
    ctrBytes: (...args) => {
      const r = ctrRaw(args);
      if (r.status !== 0) throw new Error(`ctr ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    log: () => fs.readFileSync(logFile, 'utf8'),
    restart: async () => {
      await kill();
      await launch();
    },
    kill,
    stop: async () => {
      try {
        await kill();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Parses ctr's table output into rows of whitespace-separated columns (header dropped). */
export function tableRows(output: string): string[][] {
  return output.trim().split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
}
