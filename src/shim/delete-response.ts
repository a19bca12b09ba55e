// containerd.task.v2.DeleteResponse{pid=1, exit_status=2, exited_at=3 Timestamp{seconds=1,
// nanos=2}} written with protobufjs's minimal writer: `delete` runs after every shim disconnect,
// so it skips loading the .proto files. The shim leaves the response of a completed Delete in the
// bundle, and `delete` (the launcher, addon/launcher, or main.js) answers with it at once.
import * as fs from 'fs';
import * as path from 'path';
import { Writer } from 'protobufjs/minimal';
import { writeFileAtomic } from '../foundation/atomic-file';

/** In the bundle: the DeleteResponse of a container the shim deleted completely. */
export const DELETED_FILE = 'runts-deleted.pb';

export function encodeDeleteResponse(pid: number, exitStatus: number, exitedAt: Date): Buffer {
  const ms = exitedAt.getTime();
  const timestamp = Writer.create().uint32((1 << 3) | 0).int64(Math.floor(ms / 1000)).uint32((2 << 3) | 0).int32((ms % 1000) * 1e6).finish();
  const w = Writer.create();
  if (pid) w.uint32((1 << 3) | 0).uint32(pid);
  if (exitStatus) w.uint32((2 << 3) | 0).uint32(exitStatus);
  w.uint32((3 << 3) | 2).bytes(timestamp);
  return Buffer.from(w.finish());
}

/** Written once nothing of the container is left (runtime state, mounts, processes). */
export function recordDeleted(bundle: string, pid: number, exitStatus: number, exitedAt: Date): void {
  writeFileAtomic(path.join(bundle, DELETED_FILE), encodeDeleteResponse(pid, exitStatus, exitedAt));
}

/** The recorded response, or undefined when the shim did not finish deleting the container. */
export function deletedResponse(bundle: string): Buffer | undefined {
  try {
    return fs.readFileSync(path.join(bundle, DELETED_FILE));
  } catch {
    return undefined;
  }
}
