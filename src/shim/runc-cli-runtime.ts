// TaskRuntime over an OCI runtime binary, called exactly as containerd's runc shim calls runc:
// global `--root ROOT --log B/log.json --log-format json`, then the command.
import { spawn, StdioOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import { CreateRequest, ExecRequest, Launched, ProcessIO, TaskRuntime } from './task-runtime';

interface RunOptions {
  io?: ProcessIO;
  input?: string;
}

export class RuncCliRuntime implements TaskRuntime {
  /** root: the runtime's state directory for this namespace (containerd uses ROOT/NS). */
  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  async create(request: CreateRequest): Promise<Launched> {
    if (request.terminal) {
      throw new RuntsError(`create container ${request.id}: terminal (console socket) is not supported by the runtime-binary backend yet`, 'unsupported');
    }
    const pidFile = path.join(request.bundle, 'init.pid');
    await this.run(request.bundle, ['create', '--bundle', request.bundle, '--pid-file', pidFile, request.id], { io: request.io }, 'OCI runtime create failed');
    return { pid: readPid(pidFile) };
  }

  async start(id: string, bundle: string): Promise<void> {
    await this.run(bundle, ['start', id], {}, 'OCI runtime start failed');
  }

  async exec(request: ExecRequest): Promise<Launched> {
    if (request.terminal) {
      throw new RuntsError(`exec ${request.execId} in container ${request.id}: terminal is not supported by the runtime-binary backend yet`, 'unsupported');
    }
    const processFile = path.join(request.bundle, `.${request.execId}.process.json`);
    const pidFile = path.join(request.bundle, `${request.execId}.pid`);
    fs.writeFileSync(processFile, JSON.stringify(request.process));
    try {
      await this.run(request.bundle, ['exec', '--process', processFile, '--detach', '--pid-file', pidFile, request.id], { io: request.io }, 'OCI runtime exec failed');
    } finally {
      fs.rmSync(processFile, { force: true });
    }
    return { pid: readPid(pidFile) };
  }

  async kill(id: string, bundle: string, signal: number, all: boolean): Promise<void> {
    await this.run(bundle, ['kill', ...(all ? ['--all'] : []), id, String(signal)], {}, 'OCI runtime kill failed');
  }

  async delete(id: string, bundle: string, force: boolean): Promise<void> {
    await this.run(bundle, ['delete', ...(force ? ['--force'] : []), id], {}, 'OCI runtime delete failed');
  }

  async pause(id: string, bundle: string): Promise<void> {
    await this.run(bundle, ['pause', id], {}, 'OCI runtime pause failed');
  }

  async resume(id: string, bundle: string): Promise<void> {
    await this.run(bundle, ['resume', id], {}, 'OCI runtime resume failed');
  }

  async update(id: string, bundle: string, resources: Record<string, unknown>): Promise<void> {
    await this.run(bundle, ['update', '--resources', '-', id], { input: JSON.stringify(resources) }, 'OCI runtime update failed');
  }

  async pids(id: string, bundle: string): Promise<number[]> {
    const out = await this.run(bundle, ['ps', '--format', 'json', id], {}, 'OCI runtime ps failed');
    const parsed = JSON.parse(out || 'null') as number[] | null;
    return parsed ?? [];
  }

  /** Runs one runtime command; on failure throws `<what>: <the runtime's own error line>`. */
  private run(bundle: string, args: string[], options: RunOptions, what: string): Promise<string> {
    const logFile = path.join(bundle, 'log.json');
    const logStart = fileSize(logFile);
    const argv = ['--root', this.root, '--log', logFile, '--log-format', 'json', ...args];
    // With container stdio the runtime's own stdout/stderr ARE the container's: errors then come
    // from log.json only.
    const stdio: StdioOptions = options.io
      ? [options.io.stdin ?? 'ignore', options.io.stdout ?? 'ignore', options.io.stderr ?? 'ignore']
      : [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, argv, { stdio, cwd: bundle });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      if (options.input !== undefined) child.stdin?.end(options.input);
      child.on('error', (err) => reject(new RuntsError(`${what}: cannot run ${this.binary}: ${err.message}`, 'system')));
      child.on('close', (code, signal) => {
        if (code === 0) return resolve(stdout);
        const why = lastLoggedError(logFile, logStart) ?? (stderr.trim() || `${this.binary} exited with ${code ?? signal}`);
        reject(new RuntsError(`${what}: ${why}`, /does not exist|not exist|not found/.test(why) ? 'not-found' : 'system'));
      });
    });
  }
}

function readPid(pidFile: string): number {
  const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new RuntsError(`read pid file ${pidFile}: not a pid`, 'system');
  return pid;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last error message the runtime logged (JSON lines) after offset. */
function lastLoggedError(logFile: string, offset: number): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(logFile).subarray(offset).toString();
  } catch {
    return undefined;
  }
  let message: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) message = entry.msg;
    } catch {
      // not a JSON line: the runtime wrote something else there
    }
  }
  return message;
}
