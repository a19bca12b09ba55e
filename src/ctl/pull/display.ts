// What a pull or push shows on stderr: one bar per layer on a terminal (as `docker pull`
// does, drawn by cli-progress), plain event lines otherwise.
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { Descriptor } from '../../image/documents';
import { PullEvents } from '../../registry/pull';

const short = (digest: string) => digest.slice(7, 19);
const mb = (n: number) => `${(n / 1e6).toFixed(1)}MB`;

export interface Display {
  events: PullEvents;
  stop(): void;
}

export function pullDisplay(out: NodeJS.WriteStream = process.stderr): Display {
  if (!out.isTTY) {
    return {
      events: {
        resolved: (name, root) => out.write(`${name}: resolved ${root.digest}\n`),
        layer: (l, stored) => { if (stored) out.write(`${short(l.digest)}: already present\n`); },
        downloaded: (l) => out.write(`${short(l.digest)}: downloaded (${mb(l.size)})\n`),
        unpacked: (l, state) => out.write(`${short(l.digest)}: ${state === 'exists' ? 'already unpacked' : 'unpacked'}\n`),
      },
      stop: () => undefined,
    };
  }
  const multi = new MultiBar({
    stream: out,
    format: '{id}: [{bar}] {state} {amount}',
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
  }, Presets.legacy);
  const bars = new Map<string, SingleBar>();
  const bar = (l: Descriptor) => {
    let b = bars.get(l.digest);
    if (!b) {
      b = multi.create(l.size || 1, 0, { id: short(l.digest), state: 'waiting', amount: '' });
      bars.set(l.digest, b);
    }
    return b;
  };
  const done = new Map<string, number>();
  return {
    events: {
      resolved: (name, root) => multi.log(`${name}: resolved ${root.digest}\n`),
      layer: (l, stored) => bar(l).update(stored ? l.size : 0, { state: stored ? 'already present' : 'downloading', amount: '' }),
      bytes: (l, n) => {
        const total = (done.get(l.digest) ?? 0) + n;
        done.set(l.digest, total);
        bar(l).update(total, { state: 'downloading', amount: `${mb(total)}/${mb(l.size)}` });
      },
      downloaded: (l) => bar(l).update(l.size, { state: 'downloaded', amount: mb(l.size) }),
      unpacked: (l, state) => bar(l).update(l.size, { state: state === 'exists' ? 'already unpacked' : 'pull complete', amount: mb(l.size) }),
    },
    stop: () => multi.stop(),
  };
}
