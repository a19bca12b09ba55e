// runtsctl: runtsd's own small client, for people without ctr. Global flags, the commands, and
// every failure turned into one line on stderr with a non-zero exit.
import { GlobalArgs } from './context';
import { RuntsError } from '../runtime/errors';

const DEFAULT_ADDRESS = '/run/runtsd/runtsd.sock';

function fail(err: unknown): void {
  const e = err as Error;
  // RuntsError (ours, and daemon statuses) and usage errors are one line; anything else is a bug.
  const message = e instanceof RuntsError || e?.name === 'RuntsError' ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(err);
  process.stderr.write(`runtsctl: ${message}\n`);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  const yargs: typeof import('yargs') = require('yargs');
  await yargs(process.argv.slice(2))
    .scriptName('runtsctl')
    .usage('runtsctl [--address SOCKET] [--namespace NS] <command>')
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false })
    .option('address', { alias: 'a', type: 'string', default: process.env.RUNTSD_ADDRESS || DEFAULT_ADDRESS, describe: 'runtsd socket ($RUNTSD_ADDRESS)' })
    .option('namespace', { alias: 'n', type: 'string', default: process.env.CONTAINERD_NAMESPACE || 'default', describe: 'namespace ($CONTAINERD_NAMESPACE)' })
    .command(require('./commands/version').default)
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
