import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { print } from '../print';

type ListArgs = GlobalArgs & { format: string; quiet?: boolean };

const pad = (rows: string[][]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')).join('\n') + '\n';
};

const command: CommandModule<GlobalArgs, ListArgs> = {
  command: ['list', 'ls'],
  describe: 'list containers',
  builder: (y) =>
    y.option('format', { alias: 'f', choices: ['table', 'json'], default: 'table' }).option('quiet', { alias: 'q', type: 'boolean' }),
  handler: async (args) => {
    const { ociState } = await import('../../runtime/status');
    const s = store(args);
    const states = s.ids().flatMap((id) => {
      try {
        return [ociState(s, s.read(id))];
      } catch {
        return [];
      }
    });
    if (args.quiet) print(states.map((st) => st.id + '\n').join(''));
    else if (args.format === 'json') print(JSON.stringify(states.length ? states : null) + '\n');
    else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
      for (const st of states) rows.push([st.id, String(st.pid), st.status, st.bundle, st.created, st.owner]);
      print(pad(rows));
    }
  },
};
export default command;
