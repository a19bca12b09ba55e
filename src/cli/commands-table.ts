// Every runts command by the name (or alias) that selects it, loaded only when asked for: a
// command line builds the parser of its own command alone; help and unknown names build them all.
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from './context';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Command = CommandModule<GlobalArgs, any>;

const LOADERS: Record<string, () => Command> = {
  create: () => require('./commands/create').default,
  start: () => require('./commands/start').default,
  run: () => require('./commands/run').default,
  exec: () => require('./commands/exec').default,
  state: () => require('./commands/state').default,
  kill: () => require('./commands/kill').default,
  delete: () => require('./commands/delete').default,
  list: () => require('./commands/list').default,
  spec: () => require('./commands/spec').default,
  features: () => require('./commands/features').default,
  pause: () => require('./commands/pause').pause,
  resume: () => require('./commands/pause').resume,
  ps: () => require('./commands/ps').default,
  events: () => require('./commands/events').default,
  update: () => require('./commands/update').default,
};
const ALIASES: Record<string, string> = { ls: 'list' };

export const isCommand = (name: string): boolean => Object.hasOwn(LOADERS, ALIASES[name] ?? name);

/** The commands to give yargs for a command line whose command token is `name`. */
export function commandsFor(name: string | undefined): Command[] {
  const known = name === undefined ? undefined : (ALIASES[name] ?? name);
  if (known !== undefined && Object.hasOwn(LOADERS, known)) return [LOADERS[known]()];
  return Object.values(LOADERS).map((load) => load());
}
