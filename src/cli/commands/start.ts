import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';

const command: CommandModule<GlobalArgs, GlobalArgs & { id: string }> = {
  command: 'start <id>',
  describe: 'start the user process of a created container',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const { startContainer } = await import('../../runtime/start');
    await startContainer(store(args), args.id);
  },
};
export default command;
