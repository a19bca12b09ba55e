// Configs that must validate clean: runc's defaults, a config setting every field the schemas
// define, and the edge cases the rules deliberately allow.
import * as fs from 'fs';
import * as path from 'path';
import { validateConfig } from '../../../src/runtime/validate';
import { containerdSpec, maximalConfig, runcSpec, specOf } from './fixtures';

test('the config of `runc spec` validates and comes back unchanged', () => {
  const config = runcSpec();
  expect(validateConfig(structuredClone(config))).toEqual(config);
});

test('the config of `runc spec --rootless` validates', () => {
  const config = runcSpec(true);
  expect(config.linux.namespaces).toContainEqual({ type: 'user' });
  expect(validateConfig(config)).toBe(config);
});

test('the config of `crun spec` validates', () => {
  expect(() => validateConfig(specOf('crun'))).not.toThrow();
});

test('containerd\'s default spec validates once it has the args every run gives it', () => {
  const config = containerdSpec();
  expect(() => validateConfig(config)).toThrow("config.json: /process: must have required property 'args'");
  config.process.args = ['/pause'];
  expect(() => validateConfig(config)).not.toThrow();
});

// crun maps the caller itself when a new user namespace has no mappings; runts, like runc,
// asks for them explicitly.
test('`crun spec --rootless` (a user namespace without mappings) is refused as runc would', () => {
  expect(() => validateConfig(specOf('crun', true))).toThrow(
    'config.json: /linux/uidMappings: required (non-empty) when a new user namespace is created',
  );
});

test('the maximal config validates', () => {
  expect(() => validateConfig(maximalConfig())).not.toThrow();
});

test('the maximal config sets every property the config schemas define', () => {
  const missing = unsetProperties(maximalConfig(), loadSchema('config.json'), '');
  expect(missing).toEqual([]);
});

const allowed: [string, (c: any) => unknown][] = [
  ['every supported version', (c) => (c.ociVersion = '1.0.0')],
  ['a 1.3 patch release', (c) => (c.ociVersion = '1.3.7')],
  ['a release candidate', (c) => (c.ociVersion = '1.0.0-rc5')],
  ['a dev version with build metadata', (c) => (c.ociVersion = '1.2.1-dev+abc')],
  ['a console size with terminal false', (c) => ((c.process.terminal = false), (c.process.consoleSize = { height: 0, width: 0 }))],
  ['no process at all', (c) => delete c.process],
  ['unknown properties anywhere', (c) => ((c.vendorThing = 1), (c.linux.vendor = { x: 1 }), (c.process.user.extra = true))],
  ['RLIM_INFINITY limits', (c) => (c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 }])],
  ['a relative cgroupsPath (under the runtime\'s own cgroup)', (c) => (c.linux.cgroupsPath = 'pods/c1')],
  ['a systemd cgroupsPath', (c) => (c.linux.cgroupsPath = 'system.slice:runts:abc')],
  ['a systemd cgroupsPath with the default slice', (c) => (c.linux.cgroupsPath = ':runts:abc')],
  ['kernel.domainname with a uts namespace', (c) => (c.linux.sysctl = { 'kernel.domainname': 'example.org' })],
  ['a joined user namespace without mappings', (c) => c.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' })],
  ['an idmap mount in a user namespace without its own mappings', (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.mounts.push({ destination: '/data', source: '/srv', type: 'bind', options: ['rbind', 'ridmap'] });
  }],
  ['a net sysctl in a joined network namespace that is not the host\'s', (c) => {
    c.linux.namespaces[1].path = '/proc/self/ns/mnt'; // any other nsfs inode than the host net ns
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  }],
  ['empty user mappings and no user namespace', (c) => (c.linux.uidMappings = [])],
  ['a real-time scheduler', (c) => (c.process.scheduler = { policy: 'SCHED_RR', priority: 99, nice: 0 })],
  ['a deadline scheduler whose period defaults to the deadline',
    (c) => (c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1024, deadline: 1024 })],
  ['a preferred memory policy without nodes (local allocation)', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_PREFERRED' })],
  ['the rslave root propagation Docker and CRI send', (c) => (c.linux.rootfsPropagation = 'rslave')],
];

test.each(allowed)('allowed: %s', (_name, edit) => {
  const config = runcSpec();
  edit(config);
  expect(() => validateConfig(config)).not.toThrow();
});

// The schema tree, with $refs resolved across files, walked against a document: every named
// property must be present (arrays: in their first item; maps: in their first value).
const SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'schemas');
const schemas = new Map<string, any>();

function loadSchema(file: string): any {
  if (!schemas.has(file)) schemas.set(file, JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
  return schemas.get(file);
}

function resolve(schema: any, file: string): [any, string] {
  while (schema.$ref) {
    const [target, fragment = ''] = schema.$ref.split('#');
    file = target || file;
    schema = fragment.split('/').filter(Boolean).reduce((node: any, key: string) => node[key], loadSchema(file));
  }
  return [schema, file];
}

function unsetProperties(value: any, schemaNode: any, at: string, file = 'config.json'): string[] {
  const [schema, inFile] = resolve(schemaNode, file);
  if (value === undefined) return [at];
  const missing: string[] = [];
  for (const [key, sub] of Object.entries<any>(schema.properties ?? {})) {
    missing.push(...unsetProperties(value[key], sub, `${at}/${key}`, inFile));
  }
  if (schema.items && Array.isArray(value) && value.length > 0) {
    missing.push(...unsetProperties(value[0], schema.items, `${at}/0`, inFile));
  }
  if (typeof schema.additionalProperties === 'object' && !Array.isArray(value)) {
    const [first] = Object.keys(value);
    missing.push(...unsetProperties(first === undefined ? undefined : value[first], schema.additionalProperties, `${at}/*`, inFile));
  }
  return missing;
}
