// The runts shim's own runtime options. containerd sends runtimeoptions.v1.Options
// { type_url = 1, config_path = 2 } for a runtime that is not runc (`ctr run --runtime-config-path
// FILE`, or ConfigPath in a runtime's options in containerd's config); FILE is TOML:
//   shim_group = "namespace"   all containers of the namespace share one shim
//   binary_name = "runc"       drive this OCI runtime binary instead of the in-process runtime
//   root = "/run/runts-shim"   runtime state root (one directory per namespace below it)
import * as fs from 'fs';
import { parseToml, Table } from '../foundation/toml';
import { invalid, systemError } from '../foundation/errors';
import type { Any } from '../foundation/protos/shim';
import { lengthDelimitedFields } from './proto-wire';

export const RUNTIME_OPTIONS_TYPE = 'runtimeoptions.v1.Options';

export interface ShimConfig {
  /** "namespace": one shim for every container of the namespace */
  shimGroup?: 'namespace';
  binaryName?: string;
  root?: string;
}

const SHIM_GROUPS = ['namespace'];
const KEYS: Record<string, keyof ShimConfig> = { shim_group: 'shimGroup', binary_name: 'binaryName', root: 'root' };

export function isRuntimeOptions(options: Any): boolean {
  return options.type_url === RUNTIME_OPTIONS_TYPE || options.type_url.endsWith(`/${RUNTIME_OPTIONS_TYPE}`);
}

/** google.protobuf.Any as containerd writes it to `start`'s stdin. */
export function decodeAny(message: Buffer): Any {
  const fields = lengthDelimitedFields(message, 'runtime options on stdin');
  return { type_url: fields.get(1)?.toString('utf8') ?? '', value: fields.get(2) ?? Buffer.alloc(0) };
}

/** The config that runtimeoptions.v1.Options (the Any's value) points to. */
export function shimConfigOf(optionsValue: Buffer): ShimConfig {
  const fields = lengthDelimitedFields(optionsValue, RUNTIME_OPTIONS_TYPE);
  const typeUrl = fields.get(1)?.toString('utf8') ?? '';
  const configPath = fields.get(2)?.toString('utf8') ?? '';
  if (typeUrl) throw invalid(`${RUNTIME_OPTIONS_TYPE}: config type ${typeUrl} is not supported (leave type_url empty; the file is TOML)`);
  if (!configPath) throw invalid(`${RUNTIME_OPTIONS_TYPE}: config_path is empty`);
  return readShimConfig(configPath);
}

export function readShimConfig(file: string): ShimConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw systemError(`read runtime config ${file}`, err);
  }
  return shimConfigFrom(parseToml(text, file), file);
}

function shimConfigFrom(table: Table, file: string): ShimConfig {
  const config: ShimConfig = {};
  for (const [key, value] of Object.entries(table)) {
    const field = KEYS[key];
    if (!field) throw invalid(`runtime config ${file}: unknown key "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    if (typeof value !== 'string' || !value) throw invalid(`runtime config ${file}: "${key}" must be a non-empty string`);
    if (field === 'shimGroup' && !SHIM_GROUPS.includes(value)) {
      throw invalid(`runtime config ${file}: shim_group "${value}" is not supported (want ${SHIM_GROUPS.map((g) => `"${g}"`).join(' or ')})`);
    }
    (config as Record<string, string>)[field] = value;
  }
  return config;
}
