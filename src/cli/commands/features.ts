import type { CommandModule } from 'yargs';
import { GlobalArgs } from '../context';
import { print } from '../print';

const command: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'features',
  describe: 'print what this runtime implements, as JSON',
  handler: async () => {
    const { features } = await import('../../runtime/features');
    print(JSON.stringify(features(), null, '    ') + '\n');
  },
};
export default command;
