// Picks the TaskRuntime for a container: runts's runtime library in-process by default; a
// runtime binary when one is named (binary_name in containerd.runc.v1.Options or in the runts
// runtime config of runtimeoptions.v1.Options, else RUNTS_SHIM_BINARY), driven as containerd's
// runc shim drives runc. State lives under the options' root, else RUNTS_SHIM_ROOT, else
// /run/containerd/runts, per namespace.
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import type { Any } from '../foundation/protos/shim';
import { InProcessRuntime } from './in-process-runtime';
import { RuncCliRuntime } from './runc-cli-runtime';
import { isRuntimeOptions, RUNTIME_OPTIONS_TYPE, shimConfigOf } from './runtime-config';
import { TaskRuntime } from './task-runtime';

export const DEFAULT_ROOT = '/run/containerd/runts';

/** Where Create leaves the runtime it chose, so `delete` after a crash drives the same one. */
const CHOICE_FILE = 'runts-shim-runtime.json';

interface RuntimeChoice {
  /** '' for the in-process runtime */
  binary: string;
  /** the namespace's state directory */
  root: string;
}

export function runtimeFor(namespace: string, options: Any | null | undefined): TaskRuntime {
  return runtimeOf(choose(namespace, options));
}

/** The runtime for a container, remembering the choice in the bundle for a later cleanup. */
export function runtimeForCreate(namespace: string, bundle: string, options: Any | null | undefined): TaskRuntime {
  const choice = choose(namespace, options);
  if (options && options.value.length) fs.writeFileSync(path.join(bundle, CHOICE_FILE), JSON.stringify(choice));
  return runtimeOf(choice);
}

/** The runtime Create used for the container in bundle (for `delete`). */
export function runtimeForCleanup(namespace: string, bundle: string): TaskRuntime {
  let choice: RuntimeChoice;
  try {
    choice = JSON.parse(fs.readFileSync(path.join(bundle, CHOICE_FILE), 'utf8')) as RuntimeChoice;
  } catch {
    return runtimeFor(namespace, null);
  }
  return runtimeOf(choice);
}

function choose(namespace: string, options: Any | null | undefined): RuntimeChoice {
  let binary = process.env.RUNTS_SHIM_BINARY || '';
  let root = process.env.RUNTS_SHIM_ROOT || DEFAULT_ROOT;
  if (options && options.value.length) {
    const named = namedRuntime(options);
    binary = named.binaryName || binary;
    root = named.root || root;
  }
  return { binary, root: path.join(root, namespace) };
}

function runtimeOf(choice: RuntimeChoice): TaskRuntime {
  return choice.binary ? new RuncCliRuntime(choice.binary, choice.root) : new InProcessRuntime(choice.root);
}

function namedRuntime(options: Any): { binaryName?: string; root?: string } {
  if (isRuntimeOptions(options)) return shimConfigOf(options.value);
  if (options.type_url.endsWith('containerd.runc.v1.Options')) {
    // loaded on demand: `delete` usually has no options and skips parsing the .proto files
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { runcOptionsCodec } = require('../foundation/protos/shim') as typeof import('../foundation/protos/shim');
    return runcOptionsCodec.decode(options.value);
  }
  throw new RuntsError(
    `runtime options of type ${options.type_url} are not supported (want containerd.runc.v1.Options or ${RUNTIME_OPTIONS_TYPE})`,
    'invalid',
  );
}
