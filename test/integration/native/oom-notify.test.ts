// The shim's OOM notification on cgroup v2 (this host's memory controller is v1, which
// test/integration/shim/containerd.test.ts covers with a real OOM kill): inotify on a
// memory.events file, here a fake one in a temp dir, wakes the watcher at each change, and
// stopping the watch closes the fd.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as native from '../../../src/native';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-oom-notify-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const events = (kills: number) => `low 0\nhigh 0\nmax 3\noom ${kills}\noom_kill ${kills}\n`;
// one write in place, as the kernel's one change (a rewrite would also signal the truncation)
const rewrite = (kills: number) => {
  const fd = fs.openSync(path.join(dir, 'memory.events'), 'r+');
  fs.writeSync(fd, events(kills), 0);
  fs.closeSync(fd);
};
const until = async (what: () => boolean) => {
  for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
};

test('each write of memory.events wakes the watcher once; the stop closes the fd', async () => {
  fs.writeFileSync(path.join(dir, 'memory.events'), events(0));
  const fd = native.oomNotifier(dir, false);
  let wakes = 0;
  const stop = native.onEachReadable(fd, () => wakes++);
  try {
    await new Promise((r) => setTimeout(r, 100));
    expect(wakes).toBe(0);
    rewrite(1);
    await until(() => wakes > 0);
    expect(wakes).toBe(1);
    rewrite(2);
    await until(() => wakes > 1);
    expect(wakes).toBe(2);
  } finally {
    stop();
  }
  expect(() => fs.fstatSync(fd)).toThrow(/EBADF/);
});

test('a cgroup without memory.events: one clear error naming the file', () => {
  expect(() => native.oomNotifier(dir, false)).toThrow(/memory\.events/);
});
