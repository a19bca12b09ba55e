// docker's exit codes for `run`/`exec` failures of its own: 125 when the engine fails, 126 when
// the command cannot be invoked, 127 when it is not found; the command's own status otherwise.
import { RuntsError } from '../../foundation/errors';

export class ExitError extends RuntsError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'RuntsError';
  }
}

export function startFailure(err: unknown): ExitError {
  const message = err instanceof Error ? err.message : String(err);
  if (/executable file not found|no such file or directory/i.test(message) && /exec|start|args/i.test(message)) return new ExitError(message, 127);
  if (/permission denied/i.test(message) && /exec/i.test(message)) return new ExitError(message, 126);
  return new ExitError(message, 125);
}

export const engineFailure = (err: unknown) =>
  (err instanceof ExitError ? err : err instanceof RuntsError || (err as Error)?.name === 'RuntsError' ? new ExitError((err as Error).message, 125) : err);
