// One error shape for the whole stack (like crun's libcrun_error_t): a message that already
// says what failed, on which object and why, plus the errno when the kernel said no.
// The CLI turns it into one runc-style line; the daemon and shim into a gRPC/ttrpc status.

export type ErrorKind = 'invalid' | 'not-found' | 'exists' | 'state' | 'system' | 'unsupported';

export class RuntsError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'system',
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'RuntsError';
  }
}

export const invalid = (msg: string) => new RuntsError(msg, 'invalid');
export const notFound = (msg: string) => new RuntsError(msg, 'not-found');

/** Wraps a Node system error (ENOENT, EACCES, ...) into one line that names the object. */
export function systemError(what: string, err: unknown): RuntsError {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof RuntsError) return e;
  // Node's own argument errors (ERR_OUT_OF_RANGE...) carry their meaning in the message, not the code.
  const nodeError = e && typeof e.code === 'string' && e.code.startsWith('ERR_');
  const why = e && e.code && !nodeError ? describeErrno(e.code) : String((e && e.message) || err);
  return new RuntsError(`${what}: ${why}`, e && e.code === 'ENOENT' ? 'not-found' : 'system', e && e.code);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'file exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  ESRCH: 'no such process',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'invalid cross-device link',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
  EOPNOTSUPP: 'operation not supported',
  EOVERFLOW: 'value too large for defined data type',
};

/** strerror-style text for an errno name, as runc prints it (lower case). */
export function describeErrno(code: string): string {
  return ERRNO_TEXT[code] ?? code;
}
