import { CommandModule } from 'yargs';
import { GlobalArgs, withClient } from '../context';
import { VERSION } from '../../foundation/version';

const command: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'version',
  describe: 'print the client and daemon versions',
  handler: (args) => withClient(args, async (client) => {
    const server = await client.unary('version', 'Version', {});
    process.stdout.write(`Client:\n  Version: ${VERSION}\nServer:\n  Version: ${server.version}\n  Revision: ${server.revision || '-'}\n`);
  }),
};
export default command;
