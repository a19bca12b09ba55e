// Picks the TaskRuntime for a container: runts's runtime library in-process by default; a
// runtime binary when one is named (containerd.runc.v1.Options.binary_name, or
// RUNTS_SHIM_BINARY), driven as containerd's runc shim drives runc. State lives under
// Options.root, else RUNTS_SHIM_ROOT, else /run/containerd/runts, per namespace.
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../runtime/errors';
import type { Any, RuncOptions } from './protos';
import { InProcessRuntime } from './in-process-runtime';
import { RuncCliRuntime } from './runc-cli-runtime';
import { TaskRuntime } from './task-runtime';

export const DEFAULT_ROOT = '/run/containerd/runts';

/** Where Create leaves the runtime options, so `delete` after a crash drives the same runtime. */
const OPTIONS_FILE = 'runts-shim-options.pb';

export function runtimeFor(namespace: string, options: Any | null | undefined): TaskRuntime {
  let binary = process.env.RUNTS_SHIM_BINARY || '';
  let root = process.env.RUNTS_SHIM_ROOT || DEFAULT_ROOT;
  if (options && options.value.length) {
    if (!options.type_url.endsWith('containerd.runc.v1.Options')) {
      throw new RuntsError(`runtime options of type ${options.type_url} are not supported (want containerd.runc.v1.Options)`, 'invalid');
    }
    const decoded = decodeRuncOptions(options.value);
    binary = decoded.binaryName || binary;
    root = decoded.root || root;
  }
  const nsRoot = path.join(root, namespace);
  return binary ? new RuncCliRuntime(binary, nsRoot) : new InProcessRuntime(nsRoot);
}

/** The runtime for a container, remembering its options in the bundle for a later cleanup. */
export function runtimeForCreate(namespace: string, bundle: string, options: Any | null | undefined): TaskRuntime {
  const runtime = runtimeFor(namespace, options);
  if (options && options.value.length) fs.writeFileSync(path.join(bundle, OPTIONS_FILE), options.value);
  return runtime;
}

/** The runtime Create used for the container in bundle (for `delete`). */
export function runtimeForCleanup(namespace: string, bundle: string): TaskRuntime {
  let value: Buffer;
  try {
    value = fs.readFileSync(path.join(bundle, OPTIONS_FILE));
  } catch {
    return runtimeFor(namespace, null);
  }
  return runtimeFor(namespace, { type_url: 'containerd.runc.v1.Options', value });
}

function decodeRuncOptions(value: Buffer): RuncOptions {
  // loaded on demand: `delete` usually has no options and skips parsing the .proto files
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { runcOptionsCodec } = require('./protos') as typeof import('./protos');
  return runcOptionsCodec.decode(value);
}
