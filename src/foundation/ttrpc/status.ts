// gRPC status codes as ttrpc carries them (google.rpc.Code), and the error a handler throws to
// answer with a specific one.
import { RuntsError, ErrorKind } from '../errors';

export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
}

export class TtrpcError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'TtrpcError';
  }
}

const CODE_OF_KIND: Record<ErrorKind, Code> = {
  invalid: Code.INVALID_ARGUMENT,
  'not-found': Code.NOT_FOUND,
  exists: Code.ALREADY_EXISTS,
  state: Code.FAILED_PRECONDITION,
  system: Code.UNKNOWN,
  unsupported: Code.UNIMPLEMENTED,
};

/** The status a thrown value becomes on the wire. */
export function statusOf(err: unknown): { code: Code; message: string } {
  if (err instanceof TtrpcError) return { code: err.code, message: err.message };
  if (err instanceof RuntsError) return { code: CODE_OF_KIND[err.kind], message: err.message };
  return { code: Code.UNKNOWN, message: err instanceof Error ? err.message : String(err) };
}
