// --preserve-fds and systemd socket activation (LISTEN_FDS): extra fds reach the container at
// the same numbers, and nothing else of runts's does.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle, RUNTS } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

test('--preserve-fds passes fds 3.. to the container; LISTEN_FDS fds come first with the env set', () => {
  const b = makeBundle((c) => (c.process.args = ['sh', '-c', 'echo $LISTEN_FDS/$LISTEN_PID; cat <&3; cat <&4; ls /proc/self/fd | tr "\\n" " "']));
  fs.writeFileSync(path.join(b.dir, 'a'), 'from fd 3\n');
  fs.writeFileSync(path.join(b.dir, 'b'), 'from fd 4\n');
  // exec keeps the shell's pid, so LISTEN_PID=$$ names runts, as systemd would.
  const script = `LISTEN_PID=$$ LISTEN_FDS=1 exec ${RUNTS} --root ${runts.root} run --preserve-fds 1 --bundle ${b.dir} ${uniqueId('fds')} 3<${b.dir}/a 4<${b.dir}/b`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('1/1\nfrom fd 3\nfrom fd 4\n0 1 2 3 4 5 ');

  const plain = makeBundle((c) => (c.process.args = ['sh', '-c', 'echo ${LISTEN_FDS:-none}; cat <&3']));
  fs.writeFileSync(path.join(plain.dir, 'a'), 'preserved\n');
  const p = spawnSync('sh', ['-c', `exec ${RUNTS} --root ${runts.root} run --preserve-fds 1 --bundle ${plain.dir} ${uniqueId('fds')} 3<${plain.dir}/a`], { encoding: 'utf8' });
  expect(p.stdout).toBe('none\npreserved\n');
});
