// runtsd's command line. yargs is its parser (--help, publish, errors), but loading it is ~25 ms
// of runtsd's start-up, so the usual command line (only the daemon's own flags, each once, each
// with a value) is read here without it; anything else goes to yargs.
import { invalid } from '../foundation/errors';
import { DEFAULT_CONFIG } from './config';

export interface DaemonArgs {
  /** `runtsd publish`: a shim's -publish-binary */
  publish?: { topic?: string; namespace?: string };
  address?: string;
  root?: string;
  state?: string;
  config?: string;
  'log-level'?: string;
  'registry-config-path'?: string;
}

type ValueFlag = Exclude<keyof DaemonArgs, 'publish'>;

const VALUE_FLAGS: Record<string, ValueFlag> = {
  '--address': 'address', '-a': 'address', '--root': 'root', '--state': 'state', '--config': 'config', '-c': 'config',
  '--log-level': 'log-level', '-l': 'log-level', '--registry-config-path': 'registry-config-path',
};

/** The flags of a plain daemon command line, or undefined when it needs yargs. */
export function plainDaemonArgs(argv: string[]): DaemonArgs | undefined {
  const args: DaemonArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].startsWith('--') ? argv[i].indexOf('=') : -1;
    const flag = VALUE_FLAGS[eq > 0 ? argv[i].slice(0, eq) : argv[i]];
    if (!flag || flag in args) return undefined;
    const value = eq > 0 ? argv[i].slice(eq + 1) : argv[++i];
    // yargs reads a following "-x" as a flag, not as this flag's value
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    args[flag] = value;
  }
  return args;
}

/** The command line as yargs reads it (exported for the test that the two readings agree). */
export function yargsDaemonArgs(argv: string[]): DaemonArgs {
  const yargs = require('yargs') as typeof import('yargs');
  const args = yargs(argv)
    .scriptName('runtsd')
    .usage('$0 [options]: the runts daemon, serving containerd\'s gRPC API')
    .option('address', { alias: 'a', type: 'string', describe: `unix socket to serve on (default ${DEFAULT_CONFIG.address})` })
    .option('root', { type: 'string', describe: `persistent state directory (default ${DEFAULT_CONFIG.root})` })
    .option('state', { type: 'string', describe: `runtime state directory (default ${DEFAULT_CONFIG.state})` })
    .option('config', { alias: 'c', type: 'string', describe: 'config file, .toml or .json (root, state, grpc.address, debug.level)' })
    .option('log-level', { alias: 'l', type: 'string', describe: 'debug, info, warn or error (default info)' })
    .option('registry-config-path', { type: 'string', describe: `registry hosts directory, containerd's certs.d layout (default ${DEFAULT_CONFIG.registryHostsDir})` })
    .command('publish', 'publish one event (a protobuf Any on stdin) to the daemon at --address, for shims', (y) => y
      .option('topic', { type: 'string', describe: 'the event\'s topic, e.g. /tasks/exit' })
      .option('namespace', { type: 'string', describe: 'the event\'s namespace' }))
    .strict()
    .fail((msg, err) => {
      throw err ?? invalid(`${msg} (see runtsd --help)`);
    })
    .version(false)
    .help()
    .parseSync();
  const { topic, namespace } = args as { topic?: string; namespace?: string };
  return {
    ...(args._[0] === 'publish' ? { publish: { topic, namespace } } : {}),
    address: args.address,
    root: args.root,
    state: args.state,
    config: args.config,
    'log-level': args['log-level'],
    'registry-config-path': args['registry-config-path'],
  };
}

/** runtsd's arguments (those after the program name). */
export function parseDaemonArgs(argv: string[]): DaemonArgs {
  return plainDaemonArgs(argv) ?? yargsDaemonArgs(argv);
}
