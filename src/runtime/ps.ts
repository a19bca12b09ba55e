// ps: the processes of the container's cgroup, as pids (JSON) or as the host `ps` table
// filtered to them, as runc does.
import { execFileSync } from 'child_process';
import { recordCgroup } from './cgroup';
import { RuntsError } from '../foundation/errors';
import { StateStore } from './state-store';

export function containerPids(store: StateStore, id: string): number[] {
  const rec = store.read(id);
  // Without a cgroup (rootless, no delegation) the init is the one process runts can name.
  return rec.cgroupsPath ? recordCgroup(rec).pids() : [rec.pid];
}

export function psTable(pids: number[], psArgs: string[]): string {
  let out: string;
  try {
    out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  } catch (err) {
    throw new RuntsError(`ps ${psArgs.join(' ')}: ${(err as Error).message.split('\n')[0]}`, 'system');
  }
  const lines = out.split('\n');
  const pidColumn = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new RuntsError('couldn\'t find PID field in ps output', 'invalid');
  const wanted = new Set(pids);
  return [lines[0], ...lines.slice(1).filter((l) => l.trim() && wanted.has(Number(l.trim().split(/\s+/)[pidColumn])))].join('\n') + '\n';
}
