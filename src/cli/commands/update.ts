import * as fs from 'fs';
import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import type { LinuxResources } from '../../runtime/spec';

type UpdateArgs = GlobalArgs & {
  id: string;
  resources?: string;
  'blkio-weight'?: number;
  'cpu-period'?: number;
  'cpu-quota'?: number;
  'cpu-rt-period'?: number;
  'cpu-rt-runtime'?: number;
  'cpu-share'?: number;
  'cpuset-cpus'?: string;
  'cpuset-mems'?: string;
  memory?: string;
  'memory-reservation'?: string;
  'memory-swap'?: string;
  'kernel-memory'?: string;
  'kernel-memory-tcp'?: string;
  'pids-limit'?: number;
};

/** runc's byte sizes: plain numbers or with a k/m/g/t suffix (binary); -1 is unlimited. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(-1|\d+)([kmgt]?)b?$/i.exec(text.trim());
  if (!m) throw Object.assign(new Error(`invalid value for --${flag}: "${text}"`), { name: 'RuntsError' });
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as ''];
  return Number(m[1]) === -1 ? -1 : Number(m[1]) * unit;
}

function fromFlags(a: UpdateArgs): LinuxResources {
  const r: Record<string, Record<string, unknown>> = {};
  const set = (group: string, key: string, v: unknown) => {
    if (v !== undefined) (r[group] ??= {})[key] = v;
  };
  set('blockIO', 'weight', a['blkio-weight']);
  set('cpu', 'period', a['cpu-period']);
  set('cpu', 'quota', a['cpu-quota']);
  set('cpu', 'realtimePeriod', a['cpu-rt-period']);
  set('cpu', 'realtimeRuntime', a['cpu-rt-runtime']);
  set('cpu', 'shares', a['cpu-share']);
  set('cpu', 'cpus', a['cpuset-cpus']);
  set('cpu', 'mems', a['cpuset-mems']);
  for (const [flag, key] of [['memory', 'limit'], ['memory-reservation', 'reservation'], ['memory-swap', 'swap'], ['kernel-memory', 'kernel'], ['kernel-memory-tcp', 'kernelTCP']] as const) {
    const v = a[flag];
    if (v !== undefined) set('memory', key, parseBytes(flag, String(v)));
  }
  set('pids', 'limit', a['pids-limit']);
  return r as LinuxResources;
}

const command: CommandModule<GlobalArgs, UpdateArgs> = {
  command: 'update <id>',
  describe: 'change the resource limits of a running container',
  builder: (y) =>
    y.positional('id', { type: 'string', demandOption: true })
      .option('resources', { alias: 'r', type: 'string', describe: 'LinuxResources JSON file, or - for stdin' })
      .option('blkio-weight', { type: 'number' })
      .option('cpu-period', { type: 'number' })
      .option('cpu-quota', { type: 'number' })
      .option('cpu-rt-period', { type: 'number' })
      .option('cpu-rt-runtime', { type: 'number' })
      .option('cpu-share', { type: 'number' })
      .option('cpuset-cpus', { type: 'string' })
      .option('cpuset-mems', { type: 'string' })
      .option('memory', { type: 'string' })
      .option('memory-reservation', { type: 'string' })
      .option('memory-swap', { type: 'string' })
      .option('kernel-memory', { type: 'string' })
      .option('kernel-memory-tcp', { type: 'string' })
      .option('pids-limit', { type: 'number' })
      .option('l3-cache-schema', { type: 'string', hidden: true })
      .option('mem-bw-schema', { type: 'string', hidden: true }),
  handler: async (args) => {
    const { updateContainer } = await import('../../runtime/update');
    let changes: LinuxResources;
    if (args.resources) {
      const { validateResources } = await import('../../runtime/validate');
      const source = args.resources === '-' ? 'resources' : args.resources;
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(args.resources === '-' ? 0 : args.resources, 'utf8'));
      } catch (err) {
        throw Object.assign(new Error(`${source}: ${(err as Error).message}`), { name: 'RuntsError' });
      }
      changes = validateResources(raw, source);
    } else {
      changes = fromFlags(args);
    }
    await updateContainer(store(args), args.id, changes);
  },
};
export default command;
