// exec: a new process inside a running container, started by runts-init (setns into every
// namespace, user first, then fork into the pid namespace), placed in the container's cgroup.
import * as fs from 'fs';
import * as path from 'path';
import * as native from '../native';
import { openCgroup } from '../cgroups';
import { lastCap, writePidFile } from './create';
import { RuntsError } from './errors';
import { launch } from './launch';
import { buildExecPlan } from './plan/exec';
import { compileSeccomp, SeccompProfile } from './seccomp';
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
  warn?: (m: string) => void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGCONT'];

/** Starts the process; resolves with its exit status in the foreground, 0 when detached. */
export async function execProcess(store: StateStore, opts: ExecOptions): Promise<number> {
  const rec = store.read(opts.id);
  const status = statusOf(store, rec);
  if (status === 'stopped') throw new RuntsError('cannot exec in a stopped container', 'state');
  if (status === 'paused' && !opts.ignorePaused) throw new RuntsError('cannot exec in a paused container, use --ignore-paused to override', 'state');
  const p = opts.process;
  const ownTerminal = !!p.terminal && !opts.consoleSocket;
  if (ownTerminal && opts.detach) throw new RuntsError('cannot allocate tty if runts will detach without setting console socket', 'invalid');

  const opened: number[] = [];
  const console = ownTerminal ? consoleReceiver() : undefined;
  try {
    let consoleFd = console?.childEnd;
    if (opts.consoleSocket) opened.push((consoleFd = native.connectUnix(opts.consoleSocket)));
    const preserveFds = opts.preserveFds ?? 0;
    const fds = [0, 1, 2];
    for (let i = 0; i < preserveFds; i++) fds.push(3 + i);
    const consoleChildFd = consoleFd === undefined ? undefined : fds.push(consoleFd) - 1;
    const plan = buildExecPlan({ spec: rec.config, process: p, initPid: rec.pid, preserveFds, consoleFd: consoleChildFd, lastCap: lastCap(),
      seccomp: rec.config.linux?.seccomp ? compileSeccomp(rec.config.linux.seccomp as SeccompProfile) : undefined });
    plan.warnings.forEach((w) => opts.warn?.(w));
    const cgroupsPath = opts.subCgroup ? path.posix.join(rec.cgroupsPath, opts.subCgroup) : rec.cgroupsPath;
    const state = JSON.stringify(ociState(store, rec));
    const { pid } = await launch(plan.records, fds, {
      placed(pid) {
        openCgroup({ path: cgroupsPath }).addProcess(pid);
        return state;
      },
    });
    if (opts.pidFile) writePidFile(path.resolve(opts.pidFile), pid);
    if (opts.detach) return 0;
    const exit = native.exited(pid);
    const relay = console ? relayTerminal(await console.master) : undefined;
    const forward = (sig: NodeJS.Signals) => {
      try { process.kill(pid, sig); } catch { /* exited */ }
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
    console?.close();
    opened.forEach((fd) => fs.closeSync(fd));
  }
}
