// The OCI runtime library: what the CLI, the shim and the daemon call, in-process.
export { StateStore } from './state-store';
export { defaultStateRoot } from './rootless';
export type { ContainerRecord } from './state-store';
export { createContainer } from './create';
export type { CreateOptions } from './create';
export { startContainer } from './start';
export { killContainer } from './kill';
export { deleteContainer } from './delete';
export { ociState, statusOf } from './status';
export type { OciState, Status } from './status';
export { RuntsError } from '../foundation/errors';
