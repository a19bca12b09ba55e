// ExecSync: a process in a running container with the container's environment, user and
// capabilities, its output collected whole; past the timeout it is killed and the call fails
// with DEADLINE_EXCEEDED, as kubelet's probes expect.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { GrpcStatusError } from '../deps';
import { CriPlugin } from './plugin';
import { ContainerMeta, Message, asStatus } from './store';
import { readFifo } from './logs';
import { stateOf } from './containers';

const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const DRAIN_MS = 2000;
/** kubelet caps what it keeps of a probe's output; so does runtsd, per stream. */
const MAX_OUTPUT = 16 * 1024 * 1024;

export async function execSync(cri: CriPlugin, request: Message): Promise<Message> {
  const cmd: string[] = request.cmd ?? [];
  if (cmd.length === 0) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, 'ExecSync needs a command');
  const c = await cri.store.get<ContainerMeta>('container', request.container_id);
  if ((await stateOf(cri, c)) !== 'CONTAINER_RUNNING') {
    throw new GrpcStatusError(grpc.status.FAILED_PRECONDITION, `container ${c.id} is not running`);
  }
  const spec = await cri.store.spec(c.id);
  const execId = `exec-${randomBytes(8).toString('hex')}`;
  const dir = path.join(cri.stateDir, c.id, execId);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const output: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  const sizes = { stdout: 0, stderr: 0 };
  const readers = (['stdout', 'stderr'] as const).map((stream) => readFifo(path.join(dir, stream), (chunk) => {
    if (sizes[stream] >= MAX_OUTPUT) return;
    output[stream].push(chunk);
    sizes[stream] += chunk.length;
  }));
  try {
    const process = { ...spec.process, args: cmd, terminal: false };
    await cri.client.unary('tasks', 'Exec', {
      container_id: c.id, exec_id: execId, stdin: '', stdout: readers[0].path, stderr: readers[1].path, terminal: false,
      spec: { type_url: PROCESS_TYPE, value: Buffer.from(JSON.stringify(process)) },
    });
    await cri.client.unary('tasks', 'Start', { container_id: c.id, exec_id: execId });
    // the shim opens an exec's fifos at Start: before that our read ends would see EOF
    readers.forEach((r) => r.release());
    const timeoutMs = Number(request.timeout ?? 0) * 1000;
    const exit = await cri.waitTask(c.id, timeoutMs, execId);
    if (!exit) {
      await cri.killTask(c.id, 9, execId);
      await cri.waitTask(c.id, 5000, execId);
      throw new GrpcStatusError(grpc.status.DEADLINE_EXCEEDED, `command ${JSON.stringify(cmd)} timed out after ${request.timeout}s`);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(readers.map((r) => r.done)), new Promise((r) => { timer = setTimeout(r, DRAIN_MS); })]);
    clearTimeout(timer);
    return { stdout: Buffer.concat(output.stdout), stderr: Buffer.concat(output.stderr), exit_code: exit.exitStatus };
  } catch (err) {
    throw asStatus(err);
  } finally {
    // an exec that never started (or is gone already) has nothing to delete
    await cri.client.unary('tasks', 'DeleteProcess', { container_id: c.id, exec_id: execId }).catch(() => undefined);
    readers.forEach((r) => r.close());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
