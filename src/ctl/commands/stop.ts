// `runtsctl stop [-t S] CONTAINER...`: SIGTERM, then SIGKILL after S seconds (default 10).
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer, taskState } from '../containers/lookup';
import { ContainerArgs } from '../containers/settings';
import { signalTask, waitExit } from '../containers/signal';

type StopArgs = ContainerArgs & { containers: string[]; time: number };

const stop: CommandModule<ContainerArgs, StopArgs> = {
  command: 'stop <containers..>',
  describe: 'stop running containers',
  builder: (y) => y
    .positional('containers', { type: 'string', array: true, demandOption: true })
    .option('time', { alias: 't', type: 'number', default: 10, describe: 'seconds to wait before killing' }) as Argv<StopArgs>,
  handler: (args) => withClient(args, async (client) => {
    for (const ref of args.containers) {
      const c = await findContainer(client, String(ref));
      if ((await taskState(client, c.id)).status === 'RUNNING') {
        await signalTask(client, c.id, 15);
        if (!(await waitExit(client, c.id, Number(args.time) * 1000))) {
          await signalTask(client, c.id, 9);
          await waitExit(client, c.id, 10_000);
        }
      }
      process.stdout.write(`${ref}\n`);
    }
  }),
};

export default stop;
