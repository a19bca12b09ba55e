// `runtsctl images import|ls|rm`.
import { Argv, CommandModule } from 'yargs';
import { GlobalArgs, formatLabels, printTable, withClient } from '../context';
import { importArchive } from '../import/import';

type ImportArgs = GlobalArgs & { file: string; snapshotter: string; unpack: boolean };
type NamesArgs = GlobalArgs & { names: string[]; sync: boolean };

const importCommand: CommandModule<GlobalArgs, ImportArgs> = {
  command: 'import <file>',
  describe: 'import an OCI layout or docker-archive tarball and unpack it',
  builder: (y) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'the image archive' })
    .option('snapshotter', { type: 'string', default: 'overlayfs', describe: 'snapshotter to unpack into' })
    .option('unpack', { type: 'boolean', default: true, describe: 'unpack the layers (--no-unpack to skip)' }) as Argv<ImportArgs>,
  handler: (args) => withClient(args, async (client) => {
    await importArchive(client, args.file, { snapshotter: args.snapshotter, unpack: args.unpack });
  }),
};

const list: CommandModule<GlobalArgs, GlobalArgs> = {
  command: ['ls', 'list'],
  describe: 'list images',
  handler: (args) => withClient(args, async (client) => {
    const { images } = await client.unary('images', 'List', { filters: [] });
    printTable(['REF', 'TYPE', 'DIGEST', 'LABELS'], images.map((i: { name: string; target: { media_type: string; digest: string }; labels: Record<string, string> }) =>
      [i.name, i.target.media_type, i.target.digest, formatLabels(i.labels)]));
  }),
};

const remove: CommandModule<GlobalArgs, NamesArgs> = {
  command: ['rm <names..>', 'remove'],
  describe: 'remove images (their content and snapshots go with garbage collection)',
  builder: (y) => y
    .positional('names', { type: 'string', array: true, demandOption: true })
    .option('sync', { type: 'boolean', default: false, describe: 'wait for garbage collection' }) as Argv<NamesArgs>,
  handler: (args) => withClient(args, async (client) => {
    for (const name of args.names) {
      await client.unary('images', 'Delete', { name, sync: args.sync });
      process.stdout.write(`${name}\n`);
    }
  }),
};

/** `runtsctl rmi NAME...`, docker's spelling of `images rm`. */
export const rmi: CommandModule<GlobalArgs, NamesArgs> = { ...remove, command: 'rmi <names..>' };

const images: CommandModule<GlobalArgs, GlobalArgs> = {
  command: ['images', 'image', 'i'],
  describe: 'manage images (alone: list them)',
  builder: (y) => y.command(importCommand).command(list).command(remove) as Argv<GlobalArgs>,
  handler: (args) => (list.handler as (a: GlobalArgs) => Promise<void>)(args),
};
export default images;
