import * as fs from 'fs';
import * as path from 'path';
import type { CommandModule } from 'yargs';
import { RuntsError } from '../../foundation/errors';
import { GlobalArgs } from '../context';

type SpecArgs = GlobalArgs & { bundle: string; rootless?: boolean };

const command: CommandModule<GlobalArgs, SpecArgs> = {
  command: 'spec',
  describe: 'write a default config.json into the bundle directory',
  builder: (y) =>
    y.option('bundle', { alias: 'b', type: 'string', default: '.' }).option('rootless', { type: 'boolean', describe: 'a spec for a rootless container' }),
  handler: async (args) => {
    const { defaultSpec } = await import('../../runtime/default-spec');
    const file = path.join(args.bundle, 'config.json');
    if (fs.existsSync(file)) throw new RuntsError('File config.json exists. Remove it first', 'exists');
    const spec = defaultSpec(!!args.rootless, process.getuid!(), process.getgid!());
    fs.writeFileSync(file, JSON.stringify(spec, null, '\t'), { mode: 0o666 });
  },
};
export default command;
