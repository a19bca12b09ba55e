// runts: an OCI runtime with runc's command line. This file wires the global flags and the
// commands (one file each in commands/) and turns every failure into one runc-style line.
// Nothing runs at load time: a startup snapshot (scripts/build-snapshots.js) loads this module
// when it is built, and runProgram reads the command line when the program runs.
import { configureLog, logDebug, logError } from './log';
import { commandsFor, isCommand } from './commands-table';
import { VERSION_TEXT } from '../foundation/version';
import { print } from './print';
import { parsesAlone, positionalsOf, runAlone } from './one-command';
import { commandIndex, GLOBAL_VALUE_FLAGS } from './global-flags';


// go-runc's global `--rootless=true|false` is accepted and ignored (rootless is detected from
// the uid); it is dropped before parsing so it never meets `spec --rootless`.
function dropGlobalRootless(args: string[]): string[] {
  const at = commandIndex(args);
  const globals = at < 0 ? args : args.slice(0, at);
  return [...globals.filter((a) => !/^--rootless(=.*)?$/.test(a)), ...(at < 0 ? [] : args.slice(at))];
}

/** The arguments as yargs should see them. */
function normalise(args: string[]): string[] {
  const rawArgv = dropGlobalRootless(args);
  const commandAt = commandIndex(rawArgv);
  const command = rawArgv[commandAt];
  const separated: string[] = command === 'exec' ? require('./commands/exec').separateCommand(rawArgv, commandAt)
    : command === 'ps' ? require('./commands/ps').separatePsArgs(rawArgv, commandAt) : rawArgv;
  // yargs reads a lone "-" as a positional; `update --resources -` means stdin.
  return separated.flatMap((a, i) => (a === '-' && /^(--resources|-r)$/.test(separated[i - 1] ?? '') ? [] : /^(--resources|-r)$/.test(a) && separated[i + 1] === '-' ? [`${a}=-`] : [a]));
}

function fail(err: unknown): void {
  const e = err as Error & { kind?: string };
  // RuntsError and yargs usage errors are user errors: one line, no stack.
  const message = e && e.name === 'RuntsError' ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(err);
  logError(message);
  process.exitCode = (e as { exitCode?: number }).exitCode ?? 1;
}

/** --log and --log-format from the raw arguments, so even a usage error reaches the log file. */
function logOptionsFrom(args: string[]): { log?: string; logFormat?: string } {
  const value = (name: string) => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
  };
  return { log: value('--log'), logFormat: value('--log-format') };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parser = import('yargs').Argv<any>;

/**
 * yargs renders the whole help text after running a command and keeps it for a later showHelp;
 * runts never shows help after a command (failures are one line), and rendering it is ~5 ms of
 * every call (string-width compiles its emoji regex on first use).
 */
function skipHelpCaching(parser: Parser): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (parser as any).getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
}

/** A yargs program for args with runts' global flags; argv is the whole command line, for the debug log. */
function withGlobalFlags(args: string[], argv: string[], startupNote?: string): Parser {
  // yargs loads on demand: `--version` (probed by engines) stays at Node's own start-up cost.
  // yargs/yargs is the bare factory: the package's main module also builds a program of its own
  // from process.argv when it loads (~2 ms, and a second package.json lookup).
  const yargs: typeof import('yargs/yargs') = require('yargs/yargs');
  return yargs(args)
    // runc's flags take one value per occurrence (-e A -e B); an id never joins an array.
    // ids and paths are strings, whatever they look like (containerd ids can be all digits,
    // its bundle paths contain dots).
    .parserConfiguration({ 'greedy-arrays': false, 'dot-notation': false, 'parse-numbers': false, 'parse-positional-numbers': false, 'boolean-negation': false })
    .option('root', { type: 'string', default: require('../runtime/rootless').defaultStateRoot(), describe: 'directory for container state' })
    .option('log', { type: 'string', describe: 'log file for errors and warnings' })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'format of the log file' })
    .option('debug', { type: 'boolean', describe: 'log debug output' })
    .option('systemd-cgroup', { type: 'boolean', describe: 'use the systemd cgroup driver (not supported)' })
    .option('criu', { type: 'string', hidden: true })
    .middleware((args) => {
      configureLog({ log: args.log as string | undefined, logFormat: args['log-format'] as string, debug: !!args.debug });
      const started = startupNote ? `, ${startupNote}` : '';
      logDebug(`runts ${argv.join(' ')} (pid ${process.pid}, root ${args.root}, node ${process.version}${started})`);
      if (args['systemd-cgroup']) throw Object.assign(new Error('the systemd cgroup driver is not supported by runts: run without --systemd-cgroup (cgroupfs)'), { name: 'RuntsError' });
    })
    .strict()
    .version(false)
    .fail((msg, err) => {
      throw err ?? Object.assign(new Error(msg), { name: 'RuntsError' });
    });
}

/** The whole yargs program for argv: the global flags, the commands argv can select, help. */
function buildParser(argv: string[], startupNote?: string): Parser {
  const commandAt = commandIndex(argv);
  const parser = withGlobalFlags(argv, argv, startupNote)
    .scriptName('runts')
    .usage('runts [global options] <command> [command options] <container-id>');
  for (const command of commandsFor(commandAt < 0 ? undefined : argv[commandAt])) parser.command(command);
  skipHelpCaching(parser);
  return parser
    .demandCommand(1, 'a command is required (see runts --help)')
    .help()
    .alias('help', 'h');
}

/** -v/--version among the global options, before any command (`runts --root X -v`, as runc). */
function asksVersion(args: string[]): boolean {
  for (let i = 0; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '-v' || args[i] === '--version') return true;
    if (GLOBAL_VALUE_FLAGS.has(args[i]) || args[i] === '--rootless') i++;
  }
  return false;
}

async function parseAndRun(argv: string[], startupNote?: string): Promise<void> {
  configureLog(logOptionsFrom(argv));
  if (asksVersion(argv)) {
    print(VERSION_TEXT);
    return;
  }
  let commandAt = commandIndex(argv);
  // runc's `help [command]` is `[command] --help`.
  if (argv[commandAt] === 'help') {
    argv = [...argv.slice(0, commandAt), ...argv.slice(commandAt + 1, commandAt + 2), '--help'];
    commandAt = commandIndex(argv);
  }
  if (commandAt >= 0 && !isCommand(argv[commandAt])) {
    // runc's words and exit status for a command it does not know.
    throw Object.assign(new Error(`No help topic for '${argv[commandAt]}'`), { name: 'RuntsError', exitCode: 3 });
  }
  const command = commandAt < 0 ? undefined : commandsFor(argv[commandAt])[0];
  const positionals = command && positionalsOf(command);
  if (command && positionals && parsesAlone(argv, commandAt)) {
    const withoutCommand = [...argv.slice(0, commandAt), ...argv.slice(commandAt + 1)];
    return runAlone(withGlobalFlags(withoutCommand, argv, startupNote), command, positionals);
  }
  await buildParser(argv, startupNote).parseAsync();
}

/**
 * Runs one runts command line (the arguments after the program name). startupNote, when given,
 * joins the debug line of the command: how the program was started (from a snapshot or not, and why).
 */
export function runProgram(args: string[], startupNote?: string): Promise<void> {
  // When nothing is left to do, exit there: Node's own teardown of the isolate and its heap,
  // which a finished command does not need, is ~4 ms of CPU on every call.
  process.once('beforeExit', () => process.exit());
  let argv: string[];
  try {
    argv = normalise(args);
  } catch (err) {
    fail(err);
    return Promise.resolve();
  }
  return parseAndRun(argv, startupNote).catch(fail);
}
