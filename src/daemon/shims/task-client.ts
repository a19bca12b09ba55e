// containerd.task.v2.Task over ttrpc, as containerd calls it: one method per call, requests and
// replies as plain objects (camelCase fields), a shim's error rethrown with its gRPC code.
import * as grpc from '@grpc/grpc-js';
import { TtrpcClient } from '../../foundation/ttrpc/client';
import { Code, TtrpcError } from '../../foundation/ttrpc/status';
import { TASK_SERVICE, emptyCodec, taskType } from '../../foundation/protos/shim';
import { GrpcStatusError } from '../deps';

type Message = Record<string, any>;

// containerd's timeouts for these calls; the others wait as long as the work takes.
const TIMEOUTS_MS: Record<string, number> = { State: 2000, Shutdown: 3000, Connect: 5000 };

const REQUEST_TYPES: Record<string, [string, string | null]> = {
  State: ['StateRequest', 'StateResponse'],
  Create: ['CreateTaskRequest', 'CreateTaskResponse'],
  Start: ['StartRequest', 'StartResponse'],
  Delete: ['DeleteRequest', 'DeleteResponse'],
  Pids: ['PidsRequest', 'PidsResponse'],
  Pause: ['PauseRequest', null],
  Resume: ['ResumeRequest', null],
  Kill: ['KillRequest', null],
  Exec: ['ExecProcessRequest', null],
  ResizePty: ['ResizePtyRequest', null],
  CloseIO: ['CloseIORequest', null],
  Update: ['UpdateTaskRequest', null],
  Wait: ['WaitRequest', 'WaitResponse'],
  Stats: ['StatsRequest', 'StatsResponse'],
  Connect: ['ConnectRequest', 'ConnectResponse'],
  Shutdown: ['ShutdownRequest', null],
};

export type TaskMethod = keyof typeof REQUEST_TYPES;

/** True when the shim could not be reached (dead, or the connection dropped). */
export const isUnavailable = (err: unknown) => err instanceof GrpcStatusError && err.code === grpc.status.UNAVAILABLE;

export class TaskClient {
  /** set once runtsd deleted the task: see markDeleted */
  private deletedReason: string | undefined;

  private constructor(private readonly conn: TtrpcClient) {}

  static async connect(address: string): Promise<TaskClient> {
    try {
      return new TaskClient(await TtrpcClient.connect(address));
    } catch (err) {
      throw asGrpcError(err);
    }
  }

  async call(method: TaskMethod, request: Message, timeoutMs = TIMEOUTS_MS[method]): Promise<Message> {
    const [requestType, responseType] = REQUEST_TYPES[method];
    try {
      const reply = await this.conn.call(TASK_SERVICE, method, taskType(requestType).encode(request), { timeoutMs });
      return responseType ? taskType(responseType).decode(reply) : emptyCodec.decode(reply);
    } catch (err) {
      const status = asGrpcError(err);
      if (this.deletedReason && isUnavailable(status)) throw new GrpcStatusError(grpc.status.NOT_FOUND, this.deletedReason);
      throw status;
    }
  }

  /**
   * The task is deleted: its connection goes (closed by runtsd, or with the shim), and a call
   * still waiting on it (a Wait sent as the task's exit was handled) fails NOT_FOUND, as a call on
   * a deleted task does, not UNAVAILABLE as if the shim had died.
   */
  markDeleted(reason: string): void {
    this.deletedReason = reason;
  }

  close(): void {
    this.conn.close();
  }
}

/** ttrpc carries gRPC's status codes, so a shim's answer passes through unchanged. */
function asGrpcError(err: unknown): Error {
  if (err instanceof TtrpcError) return new GrpcStatusError(err.code as number as grpc.status, err.message);
  return new GrpcStatusError(Code.UNKNOWN as number as grpc.status, err instanceof Error ? err.message : String(err));
}
