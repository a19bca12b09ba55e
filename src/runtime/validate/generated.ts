// Loads the validators compiled ahead of time by scripts/build-validators.js (ajv standalone
// code). Nothing here compiles a schema: the generated module only needs ajv's small runtime
// helpers. Loaded on first use so that commands which never read a config pay nothing; a
// startup snapshot holds them already (useBundledValidators).
import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject } from 'ajv';
import { RuntsError } from '../../foundation/errors';
import { requireFile } from '../../foundation/require-file';

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface GeneratedValidators {
  validateConfig: CompiledValidator;
  validateProcess: CompiledValidator;
  validateState: CompiledValidator;
  validateResources: CompiledValidator;
}

const MODULE = path.join('generated', 'validators.js');

// From dist/ the module sits next to this file; from the TypeScript sources (jest runs them
// through swc) the same built module is taken from dist/.
const CANDIDATES = [
  path.join(__dirname, MODULE),
  path.join(__dirname, '..', '..', '..', 'dist', 'runtime', 'validate', MODULE),
];

let loaded: GeneratedValidators | undefined;

/**
 * The startup snapshot's entry bundles the generated module and hands it over here, so a
 * command started from the snapshot neither resolves nor compiles it (~6 ms of every create).
 */
export function useBundledValidators(validators: GeneratedValidators): void {
  loaded = validators;
}

export function generatedValidators(): GeneratedValidators {
  if (loaded) return loaded;
  const file = CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw new RuntsError(`schema validators missing (${CANDIDATES[0]}): run \`npm run build\``, 'system');
  }
  loaded = requireFile(file) as GeneratedValidators;
  return loaded;
}
