import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { parseGoDuration } from '../../foundation/go-duration';
import { print } from '../print';

type EventsArgs = GlobalArgs & { id: string; stats?: boolean; interval: string };

/** runc's --interval: a Go duration such as 5s, 500ms, 1m30s, above zero. */
function parseInterval(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined || ms <= 0) throw Object.assign(new Error(`invalid --interval "${text}" (use e.g. 5s or 500ms)`), { name: 'RuntsError' });
  return ms;
}

const command: CommandModule<GlobalArgs, EventsArgs> = {
  command: 'events <id>',
  describe: 'stream container events (stats, oom) as JSON lines',
  builder: (y) =>
    y.positional('id', { type: 'string', demandOption: true })
      .option('stats', { type: 'boolean', describe: 'print one stats event and exit' })
      .option('interval', { type: 'string', default: '5s' }),
  handler: async (args) => {
    const { statsEvent, streamEvents } = await import('../../runtime/events');
    const s = store(args);
    if (args.stats) print(statsEvent(s, args.id) + '\n');
    else await streamEvents(s, args.id, parseInterval(args.interval), (line) => print(line + '\n'));
  },
};
export default command;
