import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { logWarning } from '../log';

const command: CommandModule<GlobalArgs, GlobalArgs & { id: string; force?: boolean }> = {
  command: 'delete <id>',
  describe: 'delete a stopped container (--force: kill it first)',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).option('force', { alias: 'f', type: 'boolean' }),
  handler: async (args) => {
    const { deleteContainer } = await import('../../runtime/delete');
    await deleteContainer(store(args), args.id, !!args.force, logWarning);
  },
};
export default command;
