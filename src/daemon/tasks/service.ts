// containerd.services.tasks.v1.Tasks: each call goes to the task's shim over the shim v2 task
// API, as containerd 1.6's tasks service does; the shim holds all process state.
import * as grpc from '@grpc/grpc-js';
import { RuntsError } from '../../foundation/errors';
import { getContainer } from '../../metadata/containers';
import { parseFilters } from '../../foundation/filters';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { namespaceOf, unary, GrpcStatusError } from '../deps';
import { toTimestamp } from '../convert';
import { ServiceRegistration } from '../registration';
import { ShimTask, shimManagerFor } from '../shims/manager';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type Any = { type_url: string; value: Buffer };
type Message = Record<string, any>;

interface ProcessRef { container_id: string; exec_id: string }
interface CreateMount { type: string; source: string; target: string; options: string[] }

/** containerd.v1.types.Process from a shim's StateResponse. */
function processOf(id: string, state: Message) {
  return {
    id,
    pid: state.pid,
    status: state.status,
    stdin: state.stdin,
    stdout: state.stdout,
    stderr: state.stderr,
    terminal: state.terminal,
    exit_status: state.exitStatus,
    exited_at: state.exitedAt,
  };
}

const UNKNOWN_STATUS = 0;

export const tasksService: ServiceRegistration = {
  name: 'tasks',
  definition: () => lazyServiceDefinition('containerd/services/tasks/v1/tasks.proto', 'containerd.services.tasks.v1.Tasks'),
  implementation: (deps) => {
    const { log, metadata } = deps;
    const shims = shimManagerFor(deps);
    const taskOf = (call: { metadata: grpc.Metadata }, id: string): ShimTask => shims.get(namespaceOf(call), id);

    /** A process's state; like containerd, a shim that does not answer shows UNKNOWN. */
    const stateOf = async (task: ShimTask, execId: string) => {
      try {
        return processOf(execId || task.id, await task.client.call('State', { id: task.id, execId }));
      } catch (err) {
        if (err instanceof GrpcStatusError && err.code === grpc.status.NOT_FOUND) throw err;
        log.error('get state failed', { id: task.id, exec: execId, error: (err as Error).message });
        return processOf(execId || task.id, { status: UNKNOWN_STATUS, pid: 0, exitStatus: 0 });
      }
    };

    return {
      Create: unary(log, async (call: Call<{
        container_id: string; rootfs: CreateMount[]; stdin: string; stdout: string; stderr: string; terminal: boolean;
        checkpoint: unknown; options: Any | null; runtime_path: string;
      }>) => {
        const r = call.request;
        const ns = namespaceOf(call);
        if (r.checkpoint) {
          throw new RuntsError(`task ${r.container_id}: restoring from a checkpoint is not supported by runtsd`, 'unsupported');
        }
        const container = metadata.view((t) => getContainer(t, ns, r.container_id));
        const pid = await shims.create(ns, container, {
          rootfs: r.rootfs,
          stdin: r.stdin,
          stdout: r.stdout,
          stderr: r.stderr,
          terminal: r.terminal,
          options: r.options ?? undefined,
          runtimePath: r.runtime_path,
        });
        return { container_id: r.container_id, pid };
      }),

      Start: unary(log, async (call: Call<ProcessRef>) => {
        const { container_id: id, exec_id: execId } = call.request;
        const { pid } = await taskOf(call, id).client.call('Start', { id, execId });
        return { pid };
      }),

      Delete: unary(log, async (call: Call<{ container_id: string }>) => {
        const id = call.request.container_id;
        const exit = await shims.delete(namespaceOf(call), id);
        return { id, pid: exit.pid, exit_status: exit.exitStatus, exited_at: exit.exitedAt };
      }),

      DeleteProcess: unary(log, async (call: Call<ProcessRef>) => {
        const { container_id: id, exec_id: execId } = call.request;
        if (!execId) throw new RuntsError(`task ${id}: DeleteProcess needs an exec id (use Delete for the task)`, 'invalid');
        const r = await taskOf(call, id).client.call('Delete', { id, execId });
        return { id: execId, pid: r.pid, exit_status: r.exitStatus, exited_at: r.exitedAt };
      }),

      Get: unary(log, async (call: Call<ProcessRef>) => {
        const { container_id: id, exec_id: execId } = call.request;
        return { process: await stateOf(taskOf(call, id), execId) };
      }),

      List: unary(log, async (call: Call<{ filter: string }>) => {
        const states = await Promise.all(shims.list(namespaceOf(call)).map((task) => stateOf(task, '').catch(() => undefined)));
        return { tasks: states.filter((s) => s !== undefined) };
      }),

      Kill: unary(log, async (call: Call<ProcessRef & { signal: number; all: boolean }>) => {
        const { container_id: id, exec_id: execId, signal, all } = call.request;
        await taskOf(call, id).client.call('Kill', { id, execId, signal, all });
        return {};
      }),

      Exec: unary(log, async (call: Call<ProcessRef & { stdin: string; stdout: string; stderr: string; terminal: boolean; spec: Any | null }>) => {
        const r = call.request;
        if (!r.exec_id) throw new RuntsError('exec id cannot be empty', 'invalid');
        await taskOf(call, r.container_id).client.call('Exec', {
          id: r.container_id, execId: r.exec_id, terminal: r.terminal, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, spec: r.spec,
        });
        return {};
      }),

      ResizePty: unary(log, async (call: Call<ProcessRef & { width: number; height: number }>) => {
        const { container_id: id, exec_id: execId, width, height } = call.request;
        await taskOf(call, id).client.call('ResizePty', { id, execId, width, height });
        return {};
      }),

      CloseIO: unary(log, async (call: Call<ProcessRef & { stdin: boolean }>) => {
        const { container_id: id, exec_id: execId, stdin } = call.request;
        await taskOf(call, id).client.call('CloseIO', { id, execId, stdin });
        return {};
      }),

      Pause: unary(log, async (call: Call<{ container_id: string }>) => {
        const id = call.request.container_id;
        await taskOf(call, id).client.call('Pause', { id });
        return {};
      }),

      Resume: unary(log, async (call: Call<{ container_id: string }>) => {
        const id = call.request.container_id;
        await taskOf(call, id).client.call('Resume', { id });
        return {};
      }),

      ListPids: unary(log, async (call: Call<{ container_id: string }>) => {
        const id = call.request.container_id;
        const { processes } = await taskOf(call, id).client.call('Pids', { id });
        return { processes: (processes as Message[]).map((p) => ({ pid: p.pid, info: p.info })) };
      }),

      Checkpoint: unary(log, (call: Call<{ container_id: string }>) => {
        throw new RuntsError(`checkpoint of task ${call.request.container_id}: not supported by runtsd`, 'unsupported');
      }),

      Update: unary(log, async (call: Call<{ container_id: string; resources: Any | null; annotations: Record<string, string> }>) => {
        const { container_id: id, resources, annotations } = call.request;
        await taskOf(call, id).client.call('Update', { id, resources, annotations });
        return {};
      }),

      Metrics: unary(log, async (call: Call<{ filters: string[] }>) => {
        const ns = namespaceOf(call);
        const matches = parseFilters<ShimTask>(call.request.filters, (t, p) =>
          (p[0] === 'id' ? t.id : p[0] === 'namespace' ? t.namespace : undefined));
        const metrics = await Promise.all(shims.list(ns).filter(matches).map(async (task) => {
          try {
            const { stats } = await task.client.call('Stats', { id: task.id });
            return { timestamp: toTimestamp(Date.now()), id: task.id, data: stats };
          } catch (err) {
            log.warn('collecting task metrics failed', { id: task.id, error: (err as Error).message });
            return undefined;
          }
        }));
        return { metrics: metrics.filter((m) => m !== undefined) };
      }),

      Wait: unary(log, async (call: Call<ProcessRef>) => {
        const { container_id: id, exec_id: execId } = call.request;
        const r = await taskOf(call, id).client.call('Wait', { id, execId });
        return { exit_status: r.exitStatus, exited_at: r.exitedAt };
      }),
    };
  },
};
