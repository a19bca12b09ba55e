// The parent side of the init protocol: start runts-init, hand it the plan, then answer its
// sync messages (pid -> maps and cgroup -> GO; hooks; ready or error) until it is ready.
import * as fs from 'fs';
import * as native from '../native';
import { RuntsError, describeErrno } from '../foundation/errors';
import { Msg, PlanRecord } from './plan/ops';
import { decodeRecords, DecodedRecord, encodeRecords } from './plan/wire';

export interface LaunchCallbacks {
  /** the init exists (host pid) but waits: write id maps, join cgroups; returns the state for GO
   * (for the hooks in the container: as "created", and optionally as "creating" for createContainer) */
  placed(pid: number): Promise<string | [string, string]> | string | [string, string];
  /** prestart + createRuntime hooks, while the init waits before pivot_root */
  parentHooks?(pid: number): Promise<void>;
  /** the seccomp notify fd of process `pid`: hand it to the agent (the init waits meanwhile) */
  seccompListener?(fd: number, pid: number): Promise<void> | void;
  /** wait past READY until the process has exec'd (its end of the socket closes on exec), as
   * runc's exec returns only then: a pid file must never name runts-init */
  untilExec?: boolean;
}

const INIT_TIMEOUT_MS = 60_000;
const KILL_WAIT_MS = 5_000;

/** Whether `promise` settles within ms. Its timer ends with it: one left running would wake a
 * resting shim KILL_WAIT_MS after every container start. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms).unref()));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Errno numbers runts-init reports, as names (x86-64/arm64 generic values). */
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 5: 'EIO', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY',
  17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 28: 'ENOSPC',
  30: 'EROFS', 36: 'ENAMETOOLONG', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP', 71: 'EPROTO', 75: 'EOVERFLOW', 95: 'EOPNOTSUPP',
  110: 'ETIMEDOUT',
};

/** One clear line for an init failure, in runc's phrasing where engines match on it. */
export function initFailureMessage(step: string, errno: number, detail: string): string {
  const code = ERRNO_NAMES[errno];
  const why = errno === 0 ? '' : code ? describeErrno(code) : `errno ${errno}`;
  if (step === 'exec') {
    if (errno === 2 && !detail.includes('/')) return `exec: "${detail}": executable file not found in $PATH`;
    return `exec: "${detail}": ${why}`;
  }
  if (errno === 0) return `${step}: ${detail}`;
  return `${step}${detail ? ` ${detail}` : ''}: ${why}`;
}

async function nextMessage(sock: number): Promise<(DecodedRecord & { fd: number }) | null> {
  for (;;) {
    const got = native.receiveMessage(sock);
    if (got === null) return null;
    if (got !== undefined) {
      const rec = decodeRecords(got.data)[0];
      if (!rec && got.fd >= 0) fs.closeSync(got.fd);
      return rec ? { ...rec, fd: got.fd } : null;
    }
    try {
      await native.readable(sock, INIT_TIMEOUT_MS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw err;
      throw new RuntsError(`runts-init did not answer within ${INIT_TIMEOUT_MS / 1000} s (a frozen cgroup or a hook that does not return?)`, 'system');
    }
  }
}

/** Resolves once runts-init's last copy of the socket is gone: it closes on a successful exec. */
async function closedByInit(sock: number): Promise<void> {
  for (let msg = await nextMessage(sock); msg; msg = await nextMessage(sock)) {
    if (msg.fd >= 0) fs.closeSync(msg.fd);
  }
}

export interface Launched {
  pid: number;
}

/** Runs runts-init with `fds` as its fds 0..n-1 and walks the sync protocol up to READY. */
export async function launch(records: PlanRecord[], fds: number[], cb: LaunchCallbacks): Promise<Launched> {
  const { pid: stage1, sock } = native.spawnInit(fds);
  const stage1Exit = native.exited(stage1);
  let initPid = 0;
  try {
    native.sendMessage(sock, encodeRecords(records));
    for (;;) {
      const msg = await nextMessage(sock);
      if (!msg) throw new RuntsError('runts-init exited before the container was ready', 'system');
      switch (msg.op) {
        case Msg.PID: {
          initPid = Number(msg.args[0]);
          const state = await cb.placed(initPid);
          native.sendMessage(sock, encodeRecords([{ op: Msg.GO, args: typeof state === 'string' ? [state] : state }]));
          break;
        }
        case Msg.HOOKS:
          try {
            await cb.parentHooks?.(initPid);
            native.sendMessage(sock, encodeRecords([{ op: Msg.CONTINUE, args: [] }]));
          } catch (err) {
            native.sendMessage(sock, encodeRecords([{ op: Msg.ERROR, args: [(err as Error).message] }]));
            throw err;
          }
          break;
        case Msg.SECCOMP_FD:
          try {
            if (msg.fd < 0) throw new RuntsError('runts-init sent no seccomp listener fd', 'system');
            if (!cb.seccompListener) throw new RuntsError('a seccomp notify filter needs linux.seccomp.listenerPath', 'invalid');
            await cb.seccompListener(msg.fd, initPid);
            native.sendMessage(sock, encodeRecords([{ op: Msg.CONTINUE, args: [] }]));
          } catch (err) {
            native.sendMessage(sock, encodeRecords([{ op: Msg.ERROR, args: [(err as Error).message] }]));
            throw err;
          } finally {
            if (msg.fd >= 0) fs.closeSync(msg.fd);
          }
          break;
        case Msg.READY:
          if (cb.untilExec) await closedByInit(sock);
          return { pid: initPid };
        case Msg.ERROR: {
          const [step, errno, detail] = msg.args;
          throw new RuntsError(initFailureMessage(step, Number(errno), detail ?? ''), 'system');
        }
        default:
          throw new RuntsError(`runts-init sent an unknown message ${msg.op}`, 'system');
      }
    }
  } catch (err) {
    if (initPid > 0) {
      try {
        process.kill(initPid, 'SIGKILL');
        // A process in a frozen cgroup does not die until thawed: never wait for it unbounded.
        await native.exited(initPid, KILL_WAIT_MS);
      } catch { /* already gone */ }
    }
    throw err;
  } finally {
    fs.closeSync(sock);
    // stage 1 exits once its child is placed or it lost the socket; bounded all the same.
    if (!(await settlesWithin(stage1Exit, KILL_WAIT_MS))) {
      try { process.kill(stage1, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}
