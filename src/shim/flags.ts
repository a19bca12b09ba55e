// The shim's command line as containerd writes it, in Go `flag` syntax: `-name value`,
// `-name=value`, `--name value`, boolean `-debug`; the first bare word is the action. One action
// containerd never sends: `standby`, which the launcher starts ahead of a start (src/shim/standby.ts).
import { RuntsError } from '../foundation/errors';

export type ShimAction = 'start' | 'delete' | 'version' | 'standby';

export interface ShimFlags {
  namespace: string;
  address: string;
  publishBinary: string;
  id: string;
  bundle: string;
  debug: boolean;
  action: ShimAction;
}

const STRING_FLAGS: Record<string, keyof ShimFlags> = {
  namespace: 'namespace',
  address: 'address',
  'publish-binary': 'publishBinary',
  id: 'id',
  bundle: 'bundle',
};

export function parseShimFlags(argv: string[]): ShimFlags {
  const flags: ShimFlags = {
    namespace: '',
    address: '',
    publishBinary: '',
    id: '',
    bundle: '',
    debug: false,
    action: 'version', // kept only for -v; otherwise the action word below sets it
  };
  let version = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'debug') {
      flags.debug = eq >= 0 ? parseBool(body.slice(eq + 1)) : true;
    } else if (name === 'v' || name === 'version') {
      version = true;
    } else if (STRING_FLAGS[name]) {
      const value = eq >= 0 ? body.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new RuntsError(`flag needs an argument: -${name}`, 'invalid');
      (flags as unknown as Record<string, string>)[STRING_FLAGS[name]] = value;
    } else {
      throw new RuntsError(`flag provided but not defined: -${name}`, 'invalid');
    }
  }
  const rest = argv.slice(i);
  // the standby's one operand: room on its command line for the start it takes
  if (rest[0] === 'standby' && rest.length === 2) return { ...flags, action: 'standby' };
  if (rest.length > 1) throw new RuntsError(`unexpected arguments after ${rest[0]}: ${rest.slice(1).join(' ')}`, 'invalid');
  if (rest.length === 1 && !['start', 'delete'].includes(rest[0])) throw new RuntsError(`unknown action ${rest[0]} (want start or delete)`, 'invalid');
  if (version) return flags;
  if (!rest.length) throw new RuntsError('no action given (want start or delete)', 'invalid');
  flags.action = rest[0] as ShimAction;
  if (!flags.namespace) throw new RuntsError('shim namespace cannot be empty (-namespace)', 'invalid');
  if (!flags.id) throw new RuntsError('shim id cannot be empty (-id)', 'invalid');
  return flags;
}

function parseBool(value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new RuntsError(`invalid boolean value "${value}" for -debug`, 'invalid');
}
