// Validation of the OCI documents runts reads: config.json, the process file of
// `exec --process`, state.json and `update --resources` input. Each is checked against the
// schemas (validators compiled at build time), then against the rules a schema cannot
// express. Failures are one RuntsError of kind 'invalid': `<file>: <JSON pointer>: <rule>`.
import { RuntsError } from '../../foundation/errors';
import { describeErrors } from './describe-error';
import { CompiledValidator, generatedValidators } from './generated';
import { checkConfig } from './config-rules';
import { checkProcess } from './process-rules';
import { checkOciVersion } from './version';
import { formatViolation, Violation } from './pointer';
import { LinuxResources, Process, Spec, State } from '../../foundation/spec-types';

export * from '../../foundation/spec-types';

/** config.json: supported ociVersion, schema, then semantic rules. */
export function validateConfig(raw: unknown): Spec {
  const source = 'config.json';
  const version = (raw as { ociVersion?: unknown } | null)?.ociVersion;
  if (typeof version === 'string') throwIfViolated(source, checkOciVersion(version));
  const spec = checkSchema<Spec>(generatedValidators().validateConfig, raw, source);
  throwIfViolated(source, checkConfig(spec));
  return spec;
}

/** The process JSON given to `runts exec --process`. Without `user` it runs as root, as runc's
 * zero-valued user does (engines write such files). */
export function validateProcess(raw: unknown): Process {
  const source = 'process.json';
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as Process).user === undefined) raw = { ...raw, user: { uid: 0, gid: 0 } };
  const parsed = checkSchema<Process>(generatedValidators().validateProcess, raw, source);
  throwIfViolated(source, checkProcess(parsed, ''));
  return parsed;
}

/** A container's state.json (as `runts state` prints it). */
export function validateState(raw: unknown): State {
  return checkSchema<State>(generatedValidators().validateState, raw, 'state.json');
}

/** The LinuxResources JSON of `runts update --resources`; `source` names it in messages. */
export function validateResources(raw: unknown, source = 'resources'): LinuxResources {
  return checkSchema<LinuxResources>(generatedValidators().validateResources, raw, source);
}

function checkSchema<T>(validator: CompiledValidator, raw: unknown, source: string): T {
  if (!validator(raw)) throwIfViolated(source, describeErrors(validator.errors ?? []));
  return raw as T;
}

function throwIfViolated(source: string, found: Violation | undefined): void {
  if (found) throw new RuntsError(formatViolation(source, found), 'invalid');
}
