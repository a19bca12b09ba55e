// `runtsctl content ls`, `snapshots ls`, `namespaces ls`: one table each.
import { Argv, CommandModule } from 'yargs';
import { GlobalArgs, formatLabels, printTable, withClient } from '../context';

type Labels = Record<string, string>;
type SnapshotArgs = GlobalArgs & { snapshotter: string };

const KINDS: Record<string, string> = { VIEW: 'View', ACTIVE: 'Active', COMMITTED: 'Committed', UNKNOWN: 'Unknown' };

const lsOnly = <A extends GlobalArgs>(name: string, aliases: string[], describe: string, ls: CommandModule<GlobalArgs, A>): CommandModule<GlobalArgs, GlobalArgs> => ({
  command: [name, ...aliases],
  describe,
  builder: (y) => y.command(ls).demandCommand(1, `a ${name} subcommand is required (ls)`) as Argv<GlobalArgs>,
  handler: () => undefined,
});

const contentLs: CommandModule<GlobalArgs, GlobalArgs> = {
  command: ['ls', 'list'],
  describe: 'list blobs in the content store',
  handler: (args) => withClient(args, async (client) => {
    const pages = await client.stream('content', 'List', { filters: [] });
    const infos = pages.flatMap((p: { info: unknown[] }) => p.info) as { digest: string; size: number; labels: Labels }[];
    printTable(['DIGEST', 'SIZE', 'LABELS'], infos.map((i) => [i.digest, String(i.size), formatLabels(i.labels)]));
  }),
};

const snapshotsLs: CommandModule<GlobalArgs, SnapshotArgs> = {
  command: ['ls', 'list'],
  describe: 'list snapshots',
  builder: (y) => y.option('snapshotter', { type: 'string', default: 'overlayfs' }) as Argv<SnapshotArgs>,
  handler: (args) => withClient(args, async (client) => {
    const pages = await client.stream('snapshots', 'List', { snapshotter: args.snapshotter, filters: [] });
    const infos = pages.flatMap((p: { info: unknown[] }) => p.info) as { name: string; parent: string; kind: string }[];
    printTable(['KEY', 'PARENT', 'KIND'], infos.map((i) => [i.name, i.parent || '-', KINDS[i.kind] ?? i.kind]));
  }),
};

const namespacesLs: CommandModule<GlobalArgs, GlobalArgs> = {
  command: ['ls', 'list'],
  describe: 'list namespaces',
  handler: (args) => withClient(args, async (client) => {
    const { namespaces } = await client.unary('namespaces', 'List', { filter: '' });
    printTable(['NAME', 'LABELS'], namespaces.map((n: { name: string; labels: Labels }) => [n.name, formatLabels(n.labels)]));
  }),
};

export const content = lsOnly('content', [], 'inspect the content store', contentLs);
export const snapshots = lsOnly('snapshots', ['snapshot'], 'inspect snapshots', snapshotsLs);
export const namespaces = lsOnly('namespaces', ['namespace', 'ns'], 'inspect namespaces', namespacesLs);
