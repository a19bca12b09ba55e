import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { decodeAny, isRuntimeOptions, RUNTIME_OPTIONS_TYPE, shimConfigOf } from '../../../src/shim/runtime-config';

// Encoders built here from the field numbers in containerd's .proto files, independent of the shim's decoder.
const anyType = new protobuf.Type('Any').add(new protobuf.Field('type_url', 1, 'string')).add(new protobuf.Field('value', 2, 'bytes'));
const optionsType = new protobuf.Type('Options')
  .add(new protobuf.Field('type_url', 1, 'string'))
  .add(new protobuf.Field('config_path', 2, 'string'))
  .add(new protobuf.Field('future_flag', 7, 'uint64'));
new protobuf.Root().define('runtimeoptions.v1').add(anyType).add(optionsType);

const encodeOptions = (fields: Record<string, unknown>) => Buffer.from(optionsType.encode(optionsType.create(fields)).finish());

describe('runts runtime options (runtimeoptions.v1.Options + TOML config)', () => {
  let dir: string;
  let config: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rtconfig-'));
    config = path.join(dir, 'runts.toml');
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the Any containerd writes to start and the config it points to', () => {
    fs.writeFileSync(config, '# runts shim\nshim_group = "namespace"\nbinary_name = "/usr/sbin/runc"\nroot = \'/run/r\'\n');
    const value = encodeOptions({ config_path: config, future_flag: 300 });
    const stdin = Buffer.from(anyType.encode(anyType.create({ type_url: RUNTIME_OPTIONS_TYPE, value })).finish());
    const options = decodeAny(stdin);
    expect(options.type_url).toBe('runtimeoptions.v1.Options');
    expect(isRuntimeOptions(options)).toBe(true);
    expect(shimConfigOf(options.value)).toEqual({ shimGroup: 'namespace', binaryName: '/usr/sbin/runc', root: '/run/r' });
  });

  it('accepts an empty config and a type url with a host prefix', () => {
    fs.writeFileSync(config, '');
    expect(shimConfigOf(encodeOptions({ config_path: config }))).toEqual({});
    expect(isRuntimeOptions({ type_url: 'type.googleapis.com/runtimeoptions.v1.Options', value: Buffer.alloc(0) })).toBe(true);
    expect(isRuntimeOptions({ type_url: 'containerd.runc.v1.Options', value: Buffer.alloc(0) })).toBe(false);
  });

  it.each([
    ['an unknown key', 'shim_groups = "namespace"\n', 'unknown key "shim_groups" (known: shim_group, binary_name, root)'],
    ['an unknown group', 'shim_group = "pod"\n', 'shim_group "pod" is not supported (want "namespace")'],
    ['a value that is not a string', 'shim_group = 1\n', '"shim_group" must be a non-empty string'],
    ['a table', '[shim]\ngroup = "namespace"\n', 'unknown key "shim"'],
    ['bad TOML', 'shim_group = namespace\n', 'line 1, column 14: invalid value at "namespace"'],
  ])('refuses a config with %s, naming the file', (_what, text, why) => {
    fs.writeFileSync(config, text);
    expect(() => shimConfigOf(encodeOptions({ config_path: config }))).toThrow(`config ${config}`);
    expect(() => shimConfigOf(encodeOptions({ config_path: config }))).toThrow(why);
  });

  it('refuses a missing file, an empty config_path and a foreign config type', () => {
    const missing = path.join(dir, 'nope.toml');
    expect(() => shimConfigOf(encodeOptions({ config_path: missing }))).toThrow(`read runtime config ${missing}: no such file or directory`);
    expect(() => shimConfigOf(encodeOptions({}))).toThrow('runtimeoptions.v1.Options: config_path is empty');
    fs.writeFileSync(config, '');
    expect(() => shimConfigOf(encodeOptions({ type_url: 'io.containerd.kata.v2.Options', config_path: config }))).toThrow(
      'config type io.containerd.kata.v2.Options is not supported',
    );
  });

  it('refuses a truncated message', () => {
    const whole = encodeOptions({ config_path: config });
    expect(() => shimConfigOf(whole.subarray(0, whole.length - 3))).toThrow('runtimeoptions.v1.Options: truncated protobuf message');
  });
});
