// Finding containers as docker does: by full ID, by name, or by a unique ID prefix; and a task's
// state (a container without a task is "created" or, once run, "exited").
import { Client, hasCode } from '../../client/client';
import { RuntsError } from '../../foundation/errors';
import { ContainerInfo, containerInfo } from './labels';

export interface TaskState {
  status: 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING' | 'UNKNOWN' | 'NONE';
  pid: number;
  exitStatus: number;
  exitedAt: Date | undefined;
}

export async function listContainers(client: Client): Promise<ContainerInfo[]> {
  const { containers } = await client.unary('containers', 'List', { filters: [] });
  return (containers as unknown[]).map(containerInfo);
}

export const noSuchContainer = (ref: string) => new RuntsError(`No such container: ${ref}`, 'not-found');

export async function findContainer(client: Client, ref: string): Promise<ContainerInfo> {
  const all = await listContainers(client);
  const found = all.find((c) => c.id === ref) ?? all.find((c) => c.name === ref);
  if (found) return found;
  const byPrefix = ref.length > 0 ? all.filter((c) => c.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new RuntsError(`multiple IDs found with provided prefix: ${ref}`, 'invalid');
  throw noSuchContainer(ref);
}

export async function taskState(client: Client, id: string): Promise<TaskState> {
  try {
    const { process: p } = await client.unary('tasks', 'Get', { container_id: id, exec_id: '' });
    const seconds = Number(p.exited_at?.seconds ?? 0);
    return { status: p.status, pid: p.pid, exitStatus: p.exit_status, exitedAt: seconds > 0 ? new Date(seconds * 1000) : undefined };
  } catch (err) {
    if (hasCode(err, 'NOT_FOUND')) return { status: 'NONE', pid: 0, exitStatus: 0, exitedAt: undefined };
    throw err;
  }
}
