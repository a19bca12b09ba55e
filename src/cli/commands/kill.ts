import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';

type KillArgs = GlobalArgs & { id: string; signal?: string; all?: boolean };

const command: CommandModule<GlobalArgs, KillArgs> = {
  command: 'kill <id> [signal]',
  describe: 'send a signal (default SIGTERM) to the container init, or with --all to all its processes',
  builder: (y) =>
    y.positional('id', { type: 'string', demandOption: true })
      .positional('signal', { type: 'string', describe: 'name or number: KILL, SIGKILL, 9' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'signal every process in the container' }),
  handler: async (args) => {
    const { killContainer } = await import('../../runtime/kill');
    await killContainer(store(args), args.id, args.signal, !!args.all);
  },
};
export default command;
