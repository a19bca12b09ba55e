// The shim binary's two one-shot commands, run as containerd 1.6 runs them: `start` (prints the
// address of the long-lived shim it launched) and `delete` (cleans up after a shim that is gone
// and prints a task DeleteResponse).
import type * as Protobuf from 'protobufjs';
import { RuntsError } from '../../foundation/errors';
import { taskType } from '../../foundation/protos/shim';
import { runProgram } from '../../native/run-program';
import { Bundle } from './bundle';

export interface ShimCommandContext {
  binary: string;
  bundle: Bundle;
  /** runtsd's gRPC socket (-address) */
  grpcAddress: string;
  /** runtsd's ttrpc socket, where shims forward events (TTRPC_ADDRESS) */
  ttrpcAddress: string;
  /** the command shims may run to publish an event (-publish-binary) */
  publishBinary: string;
  debug: boolean;
}

export interface ShimExit {
  pid: number;
  exitStatus: number;
  exitedAt: { seconds: number; nanos: number } | undefined;
}

const START_TIMEOUT_MS = 15000;
const DELETE_TIMEOUT_MS = 10000;

/** google.protobuf.Any marshalled: what containerd writes to the shim's stdin. */
export function marshalAny(any: { typeUrl: string; value: Buffer } | undefined): Buffer {
  if (!any) return Buffer.alloc(0);
  const protobuf = require('protobufjs') as typeof Protobuf; // with the first task, not at start
  return Buffer.from(protobuf.Writer.create().uint32(10).string(any.typeUrl).uint32(18).bytes(any.value).finish());
}

async function run(ctx: ShimCommandContext, extra: string[], action: string, input: Buffer, timeoutMs: number) {
  const args = [
    '-namespace', ctx.bundle.namespace,
    '-address', ctx.grpcAddress,
    '-publish-binary', ctx.publishBinary,
    '-id', ctx.bundle.id,
    ...(ctx.debug ? ['-debug'] : []),
    ...extra,
    action,
  ];
  let result;
  try {
    result = await runProgram(ctx.binary, args, {
      cwd: ctx.bundle.path,
      env: { ...process.env, TTRPC_ADDRESS: ctx.ttrpcAddress },
      input,
      timeoutMs,
    });
  } catch (err) {
    throw new RuntsError(`shim ${ctx.binary} ${action} for task ${ctx.bundle.id}: ${(err as Error).message}`, 'system');
  }
  const output = Buffer.concat([result.stdout, result.stderr]).toString('utf8').trim();
  return { stdout: result.stdout, output, status: result.status };
}

/** Runs `start` and returns the ttrpc address the shim printed (stdout and stderr together). */
export async function startShim(ctx: ShimCommandContext, runtimeOptions: Buffer): Promise<string> {
  const { output, status } = await run(ctx, [], 'start', runtimeOptions, START_TIMEOUT_MS);
  if (status !== 0) {
    throw new RuntsError(`start shim ${ctx.binary} for task ${ctx.bundle.id}: ${output || 'no output'}: exit status ${status ?? 'killed'}`, 'system');
  }
  if (!output) throw new RuntsError(`start shim ${ctx.binary} for task ${ctx.bundle.id}: it printed no address`, 'system');
  return output;
}

/** Runs `delete` in the bundle and returns the exit it reports. */
export async function deleteShim(ctx: ShimCommandContext): Promise<ShimExit> {
  const { stdout, output, status } = await run(ctx, ['-bundle', ctx.bundle.path], 'delete', Buffer.alloc(0), DELETE_TIMEOUT_MS);
  if (status !== 0) {
    throw new RuntsError(`shim ${ctx.binary} delete for task ${ctx.bundle.id}: ${output || 'no output'}: exit status ${status ?? 'killed'}`, 'system');
  }
  const response = taskType('DeleteResponse').decode(stdout);
  return { pid: response.pid, exitStatus: response.exitStatus, exitedAt: response.exitedAt };
}
