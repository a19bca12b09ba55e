// `runtsctl rm [-f] CONTAINER...`: the container and everything it had (task, network, rootfs,
// logs); -f kills it first. Also finishes what a killed runtsctl or runtsd left half-done.
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer } from '../containers/lookup';
import { removeContainer } from '../containers/remove';
import { sweepNetworks } from '../containers/network';
import { ContainerArgs } from '../containers/settings';

type RmArgs = ContainerArgs & { containers: string[]; force: boolean };

const rm: CommandModule<ContainerArgs, RmArgs> = {
  command: 'rm <containers..>',
  describe: 'remove containers',
  builder: (y) => y
    .positional('containers', { type: 'string', array: true, demandOption: true })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill a running container first' }) as Argv<RmArgs>,
  handler: (args) => withClient(args, async (client) => {
    let failed: unknown;
    for (const ref of args.containers) {
      try {
        await removeContainer(client, args, await findContainer(client, String(ref)), args.force);
        process.stdout.write(`${ref}\n`);
      } catch (err) {
        // like docker: report each failure, go on with the rest, fail at the end
        if (failed) process.stderr.write(`runtsctl: ${(failed as Error).message}\n`);
        failed = err;
      }
    }
    await sweepNetworks(client, args);
    if (failed) throw failed;
  }),
};

export default rm;
