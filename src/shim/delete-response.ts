// containerd.task.v2.DeleteResponse{pid=1, exit_status=2, exited_at=3 Timestamp{seconds=1,
// nanos=2}} written with protobufjs's minimal writer: `delete` runs after every shim disconnect,
// so it skips loading the .proto files.
import { Writer } from 'protobufjs/minimal';

export function encodeDeleteResponse(pid: number, exitStatus: number, exitedAt: Date): Buffer {
  const ms = exitedAt.getTime();
  const timestamp = Writer.create().uint32((1 << 3) | 0).int64(Math.floor(ms / 1000)).uint32((2 << 3) | 0).int32((ms % 1000) * 1e6).finish();
  const w = Writer.create();
  if (pid) w.uint32((1 << 3) | 0).uint32(pid);
  if (exitStatus) w.uint32((2 << 3) | 0).uint32(exitStatus);
  w.uint32((3 << 3) | 2).bytes(timestamp);
  return Buffer.from(w.finish());
}
