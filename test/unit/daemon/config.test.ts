import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseToml } from '../../../src/daemon/toml';
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
  ].join('\n'));
  expect(readConfigFile(file)).toEqual({ root: '/var/lib/x', state: '/run/x', address: '/run/x/x.sock', logLevel: 'debug' });
});

test('TOML values: escapes, dotted keys, arrays, booleans', () => {
  expect(parseToml('a.b = "x\\ty\\u00e9"\nc = [1, -2, 3.5, true]\n[t."q.k"]\nz = false', 'f')).toEqual({
    a: { b: 'x\tyé' }, c: [1, -2, 3.5, true], t: { 'q.k': { z: false } },
  });
});

test('TOML it does not handle is refused with the line', () => {
  expect(() => parseToml('a = """x"""', 'f.toml')).toThrow('config f.toml, line 1: multi-line strings are not supported');
  expect(() => parseToml('\n[[x]]', 'f.toml')).toThrow('line 2: arrays of tables are not supported');
  expect(() => parseToml('a = {b = 1}', 'f.toml')).toThrow(/inline tables are not supported/);
  expect(() => parseToml('a = 1\na = 2', 'f.toml')).toThrow('line 2: key "a" is defined twice');
  expect(() => parseToml('a = "open', 'f.toml')).toThrow(/unterminated string/);
  expect(() => parseToml('a = 1 2', 'f.toml')).toThrow(/unsupported value|unexpected text/);
  expect(() => parseToml('a = 2024-01-01', 'f.toml')).toThrow(/unsupported value "2024-01-01"/);
});

test('JSON configs, and wrong types, are reported against the file', () => {
  expect(readConfigFile(write('c.json', '{"grpc":{"address":"/s"}}'))).toEqual({ address: '/s' });
  expect(() => readConfigFile(write('bad.toml', 'root = 5'))).toThrow(/bad\.toml: root must be a non-empty string/);
  expect(() => readConfigFile(write('lvl.toml', '[debug]\nlevel = "loud"'))).toThrow(/log level "loud" is invalid/);
});
