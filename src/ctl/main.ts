// runtsctl: runtsd's own small client, for people without ctr. Global flags, the commands, and
// every failure turned into one line on stderr with a non-zero exit.
import { GlobalArgs } from './context';
import { boundCommandArgs } from './operand';
import { RuntsError } from '../foundation/errors';
import { DEFAULT_CONF_DIR, DEFAULT_BIN_DIR } from '../network/cni/config';
import { DEFAULT_DATA_ROOT } from './containers/settings';

const DEFAULT_ADDRESS = '/run/runtsd/runtsd.sock';

function fail(err: unknown): void {
  const e = err as Error;
  // RuntsError (ours, and daemon statuses) and usage errors are one line; anything else is a bug.
  const message = e instanceof RuntsError || e?.name === 'RuntsError' ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(err);
  process.stderr.write(`runtsctl: ${message}\n`);
  process.exitCode = (e as { exitCode?: number })?.exitCode ?? 1;
}

async function main(): Promise<void> {
  const yargs: typeof import('yargs') = require('yargs');
  await yargs(boundCommandArgs(process.argv.slice(2)))
    .scriptName('runtsctl')
    .usage('runtsctl [--address SOCKET] [--namespace NS] <command>')
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'greedy-arrays': false })
    .option('address', { alias: 'a', type: 'string', default: process.env.RUNTSD_ADDRESS || DEFAULT_ADDRESS, describe: 'runtsd socket ($RUNTSD_ADDRESS)' })
    .option('namespace', { alias: 'n', type: 'string', default: process.env.CONTAINERD_NAMESPACE || 'default', describe: 'namespace ($CONTAINERD_NAMESPACE)' })
    .option('data-root', { type: 'string', default: DEFAULT_DATA_ROOT, describe: 'runtsctl\'s own state: logs, netns pins, CNI cache' })
    .option('cni-path', { type: 'string', default: DEFAULT_BIN_DIR, describe: 'CNI plugin dirs (colon-separated)' })
    .option('cni-netconfpath', { type: 'string', default: DEFAULT_CONF_DIR, describe: 'CNI network config dir' })
    .command(require('./commands/version').default)
    .command(require('./commands/run').default)
    .command(require('./commands/ps').default)
    .command(require('./commands/logs').default)
    .command(require('./commands/exec').default)
    .command(require('./commands/stop').default)
    .command(require('./commands/kill').default)
    .command(require('./commands/rm').default)
    .command(require('./commands/port').default)
    .command(require('./commands/inspect').default)
    .command(require('./commands/images').default)
    .command(require('./commands/listings').content)
    .command(require('./commands/listings').snapshots)
    .command(require('./commands/listings').namespaces)
    .demandCommand(1, 'a command is required (see runtsctl --help)')
    .strict()
    .version(false)
    .help()
    .fail((msg, err) => {
      throw err ?? Object.assign(new Error(`${msg} (see runtsctl --help)`), { name: 'RuntsError' });
    })
    .parseAsync();
}

main().catch(fail);

export type { GlobalArgs };
