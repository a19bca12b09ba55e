// events: runc's JSON event stream ({type, id, data}): stats every interval, and "oom" when
// the kernel OOM-kills a process of the container. --stats prints one stats event.
import { statsToRuncJson, watchOomKills } from '../cgroups';
import { recordCgroup } from './cgroup';
import { StateStore } from './state-store';
import { initAlive } from './status';

export function statsEvent(store: StateStore, id: string): string {
  const rec = store.read(id);
  const stats = recordCgroup(rec).stats();
  return `{"type":"stats","id":${JSON.stringify(id)},"data":${statsToRuncJson(stats)}}`;
}

/** Streams events to `write` until the container stops. */
export async function streamEvents(store: StateStore, id: string, intervalMs: number, write: (line: string) => void): Promise<void> {
  const rec = store.read(id);
  const cg = recordCgroup(rec);
  const stopOom = watchOomKills(cg, () => write(`{"type":"oom","id":${JSON.stringify(id)}}`));
  try {
    while (initAlive(rec)) {
      write(statsEvent(store, id));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    stopOom();
  }
}
