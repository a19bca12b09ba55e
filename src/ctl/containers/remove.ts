// Removing a container, every part of it, each step idempotent so a retry after a crash finishes
// the job: the task (killed first when forced), the network (CNI DEL from the cache, the netns
// pin), the rootfs snapshot, the runtsd record, runtsctl's files.
import * as fs from 'fs';
import { Client, hasCode } from '../../client/client';
import { detachNetwork } from '../../network/attach';
import { RuntsError } from '../../foundation/errors';
import { ContainerArgs, SNAPSHOTTER, attachmentId, containerDir, networkEnv } from './settings';
import { ContainerInfo } from './labels';
import { taskState } from './lookup';
import { cniNetworkOf } from './network';

const ignoreNotFound = (err: unknown) => {
  if (!hasCode(err, 'NOT_FOUND')) throw err;
};

export async function removeContainer(client: Client, args: ContainerArgs, c: ContainerInfo, force: boolean): Promise<void> {
  const state = await taskState(client, c.id);
  if (state.status === 'RUNNING' || state.status === 'PAUSED' || state.status === 'CREATED') {
    if (!force) {
      throw new RuntsError(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`, 'state');
    }
    await client.unary('tasks', 'Kill', { container_id: c.id, exec_id: '', signal: 9, all: true }).catch(ignoreNotFound);
    await client.unary('tasks', 'Wait', { container_id: c.id, exec_id: '' }).catch(ignoreNotFound);
  }
  if (state.status !== 'NONE') await client.unary('tasks', 'Delete', { container_id: c.id }).catch(ignoreNotFound);
  await teardownResources(client, args, c.id, c.network);
}

/** Everything but the task: what a failed `run` must undo too. Every step is tried; the first failure is thrown. */
export async function teardownResources(client: Client, args: ContainerArgs, id: string, network: string): Promise<void> {
  const steps: (() => Promise<unknown>)[] = [
    async () => { if (network !== 'host') await detachNetwork(networkEnv(args), attachmentId(args.namespace, id), cniNetworkOf(network)); },
    () => client.unary('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: id }).catch(ignoreNotFound),
    () => client.unary('containers', 'Delete', { id }).catch(ignoreNotFound),
    async () => fs.rmSync(containerDir(args, id), { recursive: true, force: true }),
  ];
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}
