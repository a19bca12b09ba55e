import type { Argv, CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { logDebug, logWarning } from '../log';
import { CreateArgs, createFlags, listenFdsFromEnv } from './create';

type RunArgs = CreateArgs & { detach?: boolean; keep?: boolean };

const command: CommandModule<GlobalArgs, RunArgs> = {
  command: 'run <id>',
  describe: 'create and start a container; in the foreground, exit with its status',
  builder: (y) => createFlags(y)
    .option('detach', { alias: 'd', type: 'boolean', describe: 'do not wait for the container' })
    .option('keep', { type: 'boolean', describe: 'do not delete the container after it exits' }) as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const { runContainer } = await import('../../runtime/run');
    process.exitCode = await runContainer(store(args), {
      id: args.id, bundle: args.bundle, pidFile: args['pid-file'], consoleSocket: args['console-socket'],
      noPivot: args['no-pivot'], noNewKeyring: args['no-new-keyring'], preserveFds: args['preserve-fds'],
      detach: args.detach, keep: args.keep, listenFds: listenFdsFromEnv(), warn: logWarning, debug: logDebug,
    });
  },
};
export default command;
