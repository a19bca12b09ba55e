// `ctr events` on a daemon's socket (runtsd's or containerd's), its lines collected while a test
// acts, for the tests that check which events were published and in what order.
import { spawn } from 'child_process';

export interface CtrEvents {
  /** what ctr printed so far */
  text(): string;
  /** the /tasks/... topics, in order, of the lines holding every one of words */
  taskTopics(...words: string[]): string[];
  stop(): void;
}

/** Starts `ctr events`; resolves once it has had the time to subscribe (ctr says nothing until an event). */
export async function watchCtrEvents(socket: string): Promise<CtrEvents> {
  const child = spawn('ctr', ['-a', socket, 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let seen = '';
  child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
  await new Promise((r) => setTimeout(r, 300));
  return {
    text: () => seen,
    taskTopics: (...words) => seen.split('\n')
      .filter((l) => l.includes('/tasks/') && words.every((w) => l.includes(w)))
      .map((l) => /\/tasks\/[a-z-]+/.exec(l)![0]),
    stop: () => child.kill(),
  };
}
