// The usual command line, `[global flags] COMMAND [flags] ID [ARG]`, parsed by yargs once: one
// program of the global flags and that command's own, with no yargs commands. A yargs command
// costs three parses (the program's, the command's and its positionals' again) and the command
// machinery around them: ~5 ms of every call. Any other line (help asked, `--`, a flag before the
// command that is not a global one, a variadic command) is left to the whole program
// (program.ts), which answers it as before.
import type { Argv, CommandModule, Options, PositionalOptions } from 'yargs';
import type { GlobalArgs } from './context';
import { GLOBAL_VALUE_FLAGS, isGlobalFlag } from './global-flags';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Command = CommandModule<GlobalArgs, any>;


/**
 * Whether yargs would read args otherwise without its commands: help (`--help`, `-h` or in a
 * cluster of short flags, `help` as the last positional), `--`, yargs' completion request.
 */
const asksMoreThanTheCommand = (arg: string) => arg === '--' || arg === 'help' || /^--(help|get-yargs-completions)(=|$)/.test(arg) || /^-[^-]*h/.test(arg);

/** The command's positionals, `<required>` then `[optional]`; undefined when one is variadic (exec, ps). */
export function positionalsOf(command: Command): { required: string[]; optional: string[] } | undefined {
  const usage = Array.isArray(command.command) ? command.command[0] : command.command;
  const words = String(usage).split(/\s+/).slice(1);
  if (words.some((w) => w.includes('..'))) return undefined;
  return { required: words.filter((w) => w.startsWith('<')).map((w) => w.slice(1, -1)), optional: words.filter((w) => w.startsWith('[')).map((w) => w.slice(1, -1)) };
}

/** What yargs keeps of a positional's settings (yargs.positional()); demandOption is not among them. */
const POSITIONAL_SETTINGS = ['default', 'defaultDescription', 'implies', 'normalize', 'choices', 'conflicts', 'coerce', 'type', 'describe', 'desc', 'description', 'alias'];
function positionalSettings(opts: PositionalOptions): Options {
  const kept = Object.entries(opts).filter(([k, v]) => POSITIONAL_SETTINGS.includes(k) && (k !== 'type' || ['string', 'number', 'boolean'].includes(v)));
  return Object.fromEntries(kept) as Options;
}

/** Whether the command at commandAt can be parsed alone with the same outcome as by the whole program. */
export function parsesAlone(argv: string[], commandAt: number): boolean {
  for (let i = 0; i < commandAt; i++) {
    if (!isGlobalFlag(argv[i])) return false;
    if (GLOBAL_VALUE_FLAGS.has(argv[i])) i++;
  }
  return !argv.some(asksMoreThanTheCommand);
}

/**
 * Parses args (the command line without its command token) as yargs parses a command: the
 * command's positionals are taken from `_` in order (too few fail with yargs' own words), and
 * what is left stays in `_`, where .strict() reports it as an unknown argument, as after a command.
 * Returns the handler's promise.
 */
export async function runAlone(parser: Argv<GlobalArgs>, command: Command, positionals: { required: string[]; optional: string[] }): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const internals = (parser as any).getInternalMethods();
  parser.middleware((args) => {
    const given = args._.map(String);
    // yargs' own check and words (in the caller's language, LANG), as for a command
    internals.getValidationInstance().positionalCount(positionals.required.length, given.length);
    for (const name of [...positionals.required, ...positionals.optional]) if (given.length) args[name] = given.shift();
    args._ = given;
  }, true);
  // A positional outside a command is an option of the settings yargs keeps for positionals, in
  // the help's group of positionals; naming that group loads yargs' translations from disk (~1.5 ms),
  // and help is never shown here.
  parser.positional = (key: string, opts: PositionalOptions) => parser.option(key, positionalSettings(opts));
  const withOwnFlags = typeof command.builder === 'function' ? command.builder(parser) : parser;
  const args = await (withOwnFlags as Argv<GlobalArgs>).parseAsync();
  await command.handler(args);
}
