// protobufjs generates each message type's codecs while the shim's snapshot is built
// (generateCodecs), but V8 compiles them at their first call: ~90 functions in every new shim's
// first requests. Called once here for what a task's usual life receives and sends (`ctr run --rm`,
// a stop), the snapshot holds them compiled; the other types' codecs still compile at first use.
import type * as Protobuf from 'protobufjs';
import { protoSet } from '../foundation/protos/loader';

const TASK_SERVICE = 'containerd.task.v2.Task';
const USUAL_CALLS = ['Connect', 'Create', 'Start', 'Wait', 'State', 'Kill', 'Delete', 'Shutdown'];
const FORWARD_REQUEST = 'containerd.services.events.ttrpc.v1.ForwardRequest';
const USUAL_EVENTS = ['TaskCreate', 'TaskStart', 'TaskExit', 'TaskDelete'].map((name) => `containerd.events.${name}`);
// the shim serves ttrpc and calls containerd's: it receives and sends both
const TTRPC_FRAMES = ['ttrpc.Request', 'ttrpc.Response'];

type Direction = 'received' | 'sent';

/** Runs a type's codecs of one direction, and those of the message types in its fields. */
function run(type: Protobuf.Type, direction: Direction, done: Set<string>): void {
  const key = `${direction} ${type.fullName}`;
  if (done.has(key)) return;
  done.add(key);
  if (direction === 'received') type.toObject(type.decode(Buffer.alloc(0)));
  else type.encode(type.fromObject({})).finish();
  for (const field of type.fieldsArray) {
    const nested = field.resolvedType;
    if (nested && 'fieldsArray' in nested) run(nested, direction, done);
  }
}

export function warmUsualCodecs(): void {
  const done = new Set<string>();
  const shim = protoSet('shim');
  const task = shim.lookupService(TASK_SERVICE);
  for (const call of USUAL_CALLS) {
    const method = task.methods[call];
    run(shim.lookupType(method.requestType), 'received', done);
    run(shim.lookupType(method.responseType), 'sent', done);
  }
  for (const name of [FORWARD_REQUEST, ...USUAL_EVENTS]) run(shim.lookupType(name), 'sent', done);
  const ttrpc = protoSet('ttrpc');
  for (const name of TTRPC_FRAMES) for (const direction of ['received', 'sent'] as const) run(ttrpc.lookupType(name), direction, done);
}
