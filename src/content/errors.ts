// Content store failures that need their own status beyond the stack's common error kinds.
import { RuntsError } from '../foundation/errors';

/** Another writer holds the ingest ref: retry later (gRPC Unavailable, as containerd). */
export class RefLockedError extends RuntsError {
  constructor(ref: string) {
    super(`ingest ref "${ref}" is locked by another writer: retry when it finishes`, 'state');
  }
}

/** A write at an offset other than the ingest's current one (gRPC OutOfRange). */
export class OffsetError extends RuntsError {
  constructor(message: string) {
    super(message, 'invalid');
  }
}

/** A declared size the disk cannot hold (gRPC ResourceExhausted). */
export class NoSpaceError extends RuntsError {
  constructor(message: string) {
    super(message, 'system', 'ENOSPC');
  }
}
