import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { print } from '../print';

const command: CommandModule<GlobalArgs, GlobalArgs & { id: string }> = {
  command: 'state <id>',
  describe: 'print the OCI state of a container as JSON',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const { ociState } = await import('../../runtime/status');
    const s = store(args);
    print(JSON.stringify(ociState(s, s.read(args.id)), null, '  ') + '\n');
  },
};
export default command;
