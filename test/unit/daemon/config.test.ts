import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readConfigFile } from '../../../src/daemon/config';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtsd-config-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

test('a containerd-style TOML config sets root, state, address and log level', () => {
  const file = write('config.toml', [
    'version = 2',
    'root = "/var/lib/x"   # persistent',
    "state = '/run/x'",
    'disabled_plugins = ["io.containerd.grpc.v1.cri", "other"]',
    '',
    '[grpc]',
    '  address = "/run/x/x.sock"',
    '  max_recv_message_size = 16_777_216',
    '[debug]',
    '  level = "debug"',
    '[plugins."io.containerd.gc.v1.scheduler"]',
    '  pause_threshold = 0.02',
    '  deletion_threshold = 0',
    '[[proxy_plugins.list]]',
    '  options = { address = "/run/p.sock", type = "snapshot" }',
    'imports = """',
    '"""',
  ].join('\n'));
  expect(readConfigFile(file)).toEqual({ root: '/var/lib/x', state: '/run/x', address: '/run/x/x.sock', logLevel: 'debug' });
});

test('JSON configs, and wrong types, are reported against the file', () => {
  expect(readConfigFile(write('c.json', '{"grpc":{"address":"/s"}}'))).toEqual({ address: '/s' });
  expect(() => readConfigFile(write('bad.toml', 'root = 5'))).toThrow(/bad\.toml: root must be a non-empty string/);
  expect(() => readConfigFile(write('lvl.toml', '[debug]\nlevel = "loud"'))).toThrow(/log level "loud" is invalid/);
});
