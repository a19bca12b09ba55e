// runtsd's command line: config file, bad flags, a second daemon on a live socket.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { Daemon, RUNTSD, startDaemon } from './harness';

let daemon: Daemon;

beforeAll(async () => {
  daemon = await startDaemon('cli');
});

afterAll(async () => {
  await daemon?.stop();
});

const runtsd = (...args: string[]) => spawnSync(process.execPath, [RUNTSD, ...args], { encoding: 'utf8', timeout: 20000 });

test('bad flags and config files fail with one line and exit 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtsd-cli-'));
  try {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /^runtsd: Unknown argument: bogus \(see runtsd --help\)\n$/],
      [['--log-level', 'loud'], /^runtsd: log level "loud" is invalid: use debug, info, warn or error\n$/],
      [['--config', path.join(dir, 'missing.json')], /^runtsd: reading config .*missing\.json: no such file or directory\n$/],
      [['--config', path.join(dir, 'c.toml')], /^runtsd: config .*c\.toml, line 2, column 9: illegal character in key at ""\/x""\n$/],
    ];
    fs.writeFileSync(path.join(dir, 'c.toml'), '[grpc]\naddress "/x"\n');
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"root": ');
    cases.push([['--config', path.join(dir, 'bad.json')], /^runtsd: config .*bad\.json is not valid JSON/]);
    for (const [args, message] of cases) {
      const r = runtsd(...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a second daemon refuses a socket another daemon serves', () => {
  const r = runtsd('--address', daemon.socket, '--root', path.join(daemon.dir, 'other-root'), '--state', path.join(daemon.dir, 'other-state'));
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`runtsd: cannot listen on ${daemon.socket}: another daemon is serving it\n`);
  expect(daemon.ctr('version')).toContain('Server:');
});

test('a JSON config file sets root, state, address and log level', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtsd-cfg-'));
  const config = path.join(dir, 'config.json');
  const socket = path.join(dir, 'cfg.sock');
  fs.writeFileSync(config, JSON.stringify({ root: path.join(dir, 'r'), state: path.join(dir, 's'), grpc: { address: socket }, debug: { level: 'debug' } }));
  const child = spawn(process.execPath, [RUNTSD, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => { log += d; });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (let i = 0; i < 200 && !log.includes('runtsd serving'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(log).toContain(`address="${socket}"`);
    expect(fs.existsSync(path.join(dir, 'r', 'metadata'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 's'))).toBe(true);
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
