// exec: a new process inside a running container, started by runts-init (setns into every
// namespace, user first, then fork into the pid namespace), placed in the container's cgroup.
import * as fs from 'fs';
import * as path from 'path';
import * as native from '../native';
import { subCgroupPath } from '../cgroups/paths';
import { recordCgroup } from './cgroup';
import { lastCap, writePidFile } from './create';
import { RuntsError } from '../foundation/errors';
import { launch } from './launch';
import { checkLsm } from './lsm';
import { buildExecPlan } from './plan/exec';
import { compileSeccomp, SeccompProfile } from './seccomp';
import { sendToSeccompAgent } from './seccomp-agent';
import { Process } from './spec';
import { StateStore } from './state-store';
import { ociState, statusOf } from './status';
import { consoleReceiver, relayTerminal } from './terminal';

export interface ExecOptions {
  id: string;
  process: Process;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  /** a sub-cgroup of the container to join (--cgroup) */
  subCgroup?: string;
  ignorePaused?: boolean;
  /** the process's stdin, stdout, stderr (default: ours) */
  stdio?: [number, number, number];
  warn?: (m: string) => void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGCONT'];

export interface ExecStarted {
  pid: number;
  /** the pty master when runts allocated the terminal itself */
  master?: Promise<number>;
  close(): void;
}

/** Starts the process and resolves with its host pid (a child of this process). */
export async function startExec(store: StateStore, opts: ExecOptions & { ownTerminal?: boolean }): Promise<ExecStarted> {
  const rec = store.read(opts.id);
  const status = statusOf(store, rec);
  if (status === 'stopped') throw new RuntsError('cannot exec in a stopped container', 'state');
  if (status === 'paused' && !opts.ignorePaused) throw new RuntsError('cannot exec in a paused container (use --ignore-paused to override)', 'state');
  const p = opts.process;
  checkLsm(p);
  const opened: number[] = [];
  const console = opts.ownTerminal ? consoleReceiver() : undefined;
  try {
    let consoleFd = console?.childEnd;
    if (opts.consoleSocket) opened.push((consoleFd = native.connectUnix(opts.consoleSocket)));
    const preserveFds = opts.preserveFds ?? 0;
    const fds = [...(opts.stdio ?? [0, 1, 2])];
    for (let i = 0; i < preserveFds; i++) fds.push(3 + i);
    const consoleChildFd = consoleFd === undefined ? undefined : fds.push(consoleFd) - 1;
    const seccomp = rec.config.linux?.seccomp ? compileSeccomp(rec.config.linux.seccomp as SeccompProfile) : undefined;
    const plan = buildExecPlan({ spec: rec.config, process: p, initPid: rec.pid, preserveFds, consoleFd: consoleChildFd, lastCap: lastCap(), seccomp });
    plan.warnings.forEach((w) => opts.warn?.(w));
    const cgroupsPath = opts.subCgroup ? subCgroupPath(rec.cgroupsPath, opts.subCgroup) : rec.cgroupsPath;
    const current = ociState(store, rec);
    const state = JSON.stringify(current);
    const { pid } = await launch(plan.records, fds, {
      placed(pid) {
        recordCgroup(rec, cgroupsPath).addProcess(pid);
        return state;
      },
      seccompListener(fd, pid) {
        const notify = seccomp?.notify;
        const { ociVersion, id, status, pid: initPid, bundle, annotations } = current;
        if (notify) sendToSeccompAgent(notify.listenerPath, fd, pid, { ociVersion, id, status, pid: initPid, bundle, annotations }, notify.listenerMetadata);
      },
      untilExec: true,
    });
    if (opts.pidFile) writePidFile(path.resolve(opts.pidFile), pid);
    return { pid, master: console?.master, close: () => console?.close() };
  } catch (err) {
    console?.close();
    throw err;
  } finally {
    opened.forEach((fd) => fs.closeSync(fd));
  }
}

/** `runts exec`: resolves with the process's exit status in the foreground, 0 when detached. */
export async function execProcess(store: StateStore, opts: ExecOptions): Promise<number> {
  const ownTerminal = !!opts.process.terminal && !opts.consoleSocket;
  if (ownTerminal && opts.detach) throw new RuntsError('cannot allocate tty if runts will detach without setting console socket', 'invalid');
  const started = await startExec(store, { ...opts, ownTerminal });
  try {
    if (opts.detach) return 0;
    const exit = native.exited(started.pid);
    const relay = started.master ? relayTerminal(await started.master) : undefined;
    const forward = (sig: NodeJS.Signals) => {
      try { process.kill(started.pid, sig); } catch { /* exited */ }
    };
    FORWARDED.forEach((s) => process.on(s, forward));
    try {
      const st = await exit;
      if (relay) await Promise.race([relay.done, new Promise((r) => setTimeout(r, 200))]);
      return st?.code ?? 128 + (st?.signal ?? 0);
    } finally {
      FORWARDED.forEach((s) => process.off(s, forward));
    }
  } finally {
    started.close();
  }
}
