// Signalling a container's task and waiting for it to exit, for stop and kill.
import { Client } from '../../client/client';

export { parseSignal } from '../../runtime/signals';

export const signalTask = (client: Client, id: string, signal: number) =>
  client.unary('tasks', 'Kill', { container_id: id, exec_id: '', signal, all: false });

/** True when the task exited within ms. */
export async function waitExit(client: Client, id: string, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([client.unary('tasks', 'Wait', { container_id: id, exec_id: '' }).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
