// process.terminal with --console-socket: the pty master reaches the socket's listener and
// the container's stdio is the pty.
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

test('the pty master is sent over --console-socket and the process runs on the pty', async () => {
  const b = makeBundle((c) => {
    c.process.terminal = true;
    c.process.consoleSize = { height: 30, width: 100 };
    c.process.args = ['sh', '-c', 'read line; echo "got $line"; tty; stty size'];
  });
  const sock = path.join(b.dir, 'console.sock');
  const client = spawn('python3', [path.join(__dirname, '..', '..', 'helpers', 'console_client.py'), sock, 'ping\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout!.on('data', (d) => (out += d));
  const clientDone = new Promise((r) => client.on('exit', r));
  try {
    while (!out.includes('listening')) await new Promise((r) => setTimeout(r, 20));
    const id = uniqueId('tty');
    runts.ok(['create', '--bundle', b.dir, '--console-socket', sock, id]);
    runts.ok(['start', id]);
    await Promise.race([clientDone, new Promise((r) => setTimeout(r, 10000))]);
    expect(out).toMatch(/pty \/dev\/pts\/0/);
    expect(out).toContain('got ping');
    expect(out).toMatch(/\/dev\/pts\/0\r?\n30 100/);
  } finally {
    client.kill();
  }
});

test('process.terminal without a console socket is refused for create', () => {
  const b = makeBundle((c) => (c.process.terminal = true));
  const r = runts.run(['create', '--bundle', b.dir, uniqueId('notty')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('no console socket was given');
});

test('run with process.terminal and no console socket relays its own pty (as runc does)', () => {
  const b = makeBundle((c) => {
    c.process.terminal = true;
    c.process.args = ['sh', '-c', 'tty; echo relayed; exit 4'];
  });
  const cmd = `${path.join(__dirname, '..', '..', '..', 'bin', 'runts')} --root ${runts.root} run --bundle ${b.dir} ${uniqueId('ownpty')}`;
  // script's stdin stays open while the container runs (an EOF there would hang up the pty).
  const r = spawnSync('sh', ['-c', `sleep 2 | script -qec "${cmd}" /dev/null; echo "status $?"`], { encoding: 'utf8', timeout: 20000 });
  expect(r.stdout).toMatch(/\/dev\/pts\/0\r*\nrelayed\r*\n/);
  expect(r.stdout).toMatch(/status 4\n$/);
});

test('run relays its terminal size to the container pty (as runc does)', () => {
  const b = makeBundle((c) => {
    c.process.terminal = true;
    c.process.args = ['stty', 'size'];
  });
  const runCmd = `${path.join(__dirname, '..', '..', '..', 'bin', 'runts')} --root ${runts.root} run --bundle ${b.dir} ${uniqueId('ptysize')}`;
  const r = spawnSync('sh', ['-c', `sleep 2 | script -qec "stty rows 33 cols 101; ${runCmd}" /dev/null`], { encoding: 'utf8', timeout: 20000 });
  expect(r.stdout).toMatch(/^33 101\r?$/m);
});

test('--no-pivot runs the container with MS_MOVE + chroot', () => {
  const b = makeBundle((c) => (c.process.args = ['sh', '-c', 'ls /; cat /proc/self/mountinfo | grep -c " / / "']));
  const r = runts.run(['run', '--no-pivot', '--bundle', b.dir, uniqueId('nopivot')]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^bin\n/);
});
