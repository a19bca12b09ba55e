// Codecs for the shim's containerd messages (proto/shim): the task API, events, options.
import { codec } from './loader';

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Any {
  // protobufjs keeps the bundled well-known types' snake_case field names
  type_url: string;
  value: Buffer;
}

export interface Mount {
  type: string;
  source: string;
  target: string;
  options: string[];
}

/** containerd.v1.types.Status */
export enum ProcessStatus {
  UNKNOWN = 0,
  CREATED = 1,
  RUNNING = 2,
  STOPPED = 3,
  PAUSED = 4,
  PAUSING = 5,
}

export interface RuncOptions {
  binaryName: string;
  root: string;
  systemdCgroup: boolean;
}

export const TASK_SERVICE = 'containerd.task.v2.Task';
export const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';

export const taskType = (name: string) => codec<Record<string, any>>('shim', `containerd.task.v2.${name}`);
export const eventType = (name: string) => codec<Record<string, any>>('shim', `containerd.events.${name}`);
export const emptyCodec = codec<Record<string, never>>('shim', 'google.protobuf.Empty');
export const forwardRequestCodec = codec<{ envelope: { timestamp: Timestamp; namespace: string; topic: string; event: Any } }>(
  'shim',
  'containerd.services.events.ttrpc.v1.ForwardRequest',
);
export const runcOptionsCodec = codec<RuncOptions>('shim', 'containerd.runc.v1.Options');
export const processDetailsCodec = codec<{ execId: string }>('shim', 'containerd.runc.v1.ProcessDetails');

export function timestampOf(date: Date | undefined): Timestamp {
  if (!date) return { seconds: 0, nanos: 0 };
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

