// The OCI state of a container, derived from its record and the live system: the init's pid
// and start time say whether it runs; the exec fifo says whether `start` has happened.
import * as fs from 'fs';
import { readProcStat } from '../foundation/proc-stat';
import { ContainerRecord, StateStore } from './state-store';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** Field 22 of /proc/<pid>/stat, or null when the process is gone or a zombie. */
export function processStartTime(pid: number): string | null {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  return stat.startTime;
}

export function initAlive(rec: ContainerRecord): boolean {
  return rec.pid > 0 && processStartTime(rec.pid) === rec.initStartTime;
}

function isFrozen(rec: ContainerRecord): boolean {
  // Loaded only for a running container: the cgroup drivers are ~2 ms of a `state` or `list`
  // that finds it created or stopped.
  const { recordCgroup } = require('./cgroup') as typeof import('./cgroup');
  try {
    return recordCgroup(rec).state() === 'frozen';
  } catch {
    return false;
  }
}

export function statusOf(store: StateStore, rec: ContainerRecord): Status {
  if (!initAlive(rec)) return 'stopped';
  if (fs.existsSync(store.fifoPath(rec.id))) return 'created';
  return isFrozen(rec) ? 'paused' : 'running';
}

export function ociState(store: StateStore, rec: ContainerRecord): OciState {
  const status = statusOf(store, rec);
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
    annotations: rec.annotations,
  };
}
