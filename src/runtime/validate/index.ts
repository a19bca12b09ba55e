// Placeholder until the schema validation lands.
import { RuntsError } from '../errors';
import { Spec } from '../spec';

export function validateConfig(raw: unknown): Spec {
  const spec = raw as Spec;
  if (!spec || typeof spec !== 'object') throw new RuntsError('config.json: must be an object', 'invalid');
  if (!spec.root || !spec.root.path) throw new RuntsError("config.json: /root: must have required property 'path'", 'invalid');
  return spec;
}

export function validateProcess(raw: unknown): import('../spec').Process {
  return raw as import('../spec').Process;
}
