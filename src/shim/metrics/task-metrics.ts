// Task.Stats: the container's cgroup usage as containerd's cgroups Metrics message (v1 when the
// task's memory controller is on a v1 hierarchy, else v2), wrapped in an Any.
import { codec } from '../../foundation/protos/loader';
import { Any } from '../../foundation/protos/shim';
import { readProcCgroup } from '../../foundation/proc-cgroup';
import { collectV1 } from './cgroup-v1';
import { collectV2 } from './cgroup-v2';

const V1 = 'io.containerd.cgroups.v1.Metrics';
const V2 = 'io.containerd.cgroups.v2.Metrics';
const v1Codec = codec<Record<string, unknown>>('metrics', V1);
const v2Codec = codec<Record<string, unknown>>('metrics', V2);

export function taskMetrics(pid: number): Any {
  const cgroups = readProcCgroup(pid);
  if (cgroups.has('memory')) return { type_url: V1, value: v1Codec.encode(collectV1(cgroups)) };
  return { type_url: V2, value: v2Codec.encode(collectV2(cgroups.get('') ?? '/')) };
}
