import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';

type IdArgs = GlobalArgs & { id: string };

export const pause: CommandModule<GlobalArgs, IdArgs> = {
  command: 'pause <id>',
  describe: 'freeze every process of the container',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const { pauseContainer } = await import('../../runtime/pause');
    await pauseContainer(store(args), args.id);
  },
};

export const resume: CommandModule<GlobalArgs, IdArgs> = {
  command: 'resume <id>',
  describe: 'thaw a paused container',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const { resumeContainer } = await import('../../runtime/pause');
    await resumeContainer(store(args), args.id);
  },
};
