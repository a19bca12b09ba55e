// Hands a seccomp notify fd to the agent at linux.seccomp.listenerPath, as runc does: one
// message on a unix stream connection carrying the fd (SCM_RIGHTS) and the container process
// state JSON of runtime-spec config-linux.md ("fds": ["seccompFd"]).
import * as fs from 'fs';
import * as native from '../native';
import { RuntsError } from '../foundation/errors';

export interface AgentState {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** runtime-spec's ContainerProcessState for the seccomp agent. */
export function containerProcessState(pid: number, state: AgentState, metadata?: string): object {
  return { ociVersion: state.ociVersion, fds: ['seccompFd'], pid, ...(metadata ? { metadata } : {}), state };
}

export function sendToSeccompAgent(listenerPath: string, seccompFd: number, pid: number, state: AgentState, metadata?: string): void {
  let sock: number;
  try {
    sock = native.connectUnix(listenerPath);
  } catch (err) {
    throw new RuntsError(`config.json: /linux/seccomp/listenerPath: ${(err as Error).message} (is the seccomp agent listening?)`, 'system');
  }
  try {
    native.sendWithFd(sock, Buffer.from(JSON.stringify(containerProcessState(pid, state, metadata))), seccompFd);
  } catch (err) {
    throw new RuntsError(`seccomp: handing the notify fd to the agent at ${listenerPath}: ${(err as Error).message}`, 'system');
  } finally {
    fs.closeSync(sock);
  }
}
