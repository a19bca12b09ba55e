// runtsctl's docker-style argument handling and the container spec it builds (pure logic).
import { boundCommandArgs } from '../../../src/ctl/operand';
import { containerSpec, mergeEnv, parseEnv, parseVolume } from '../../../src/ctl/containers/spec';
import { ago } from '../../../src/ctl/commands/ps';

describe('everything after the image belongs to the command', () => {
  test.each([
    [['run', '-d', '-p', '80:80', 'img', 'ip', '-o', 'link'], ['run', '-d', '-p', '80:80', 'img', '--', 'ip', '-o', 'link']],
    [['-a', '/s', '-n', 'ns', 'run', '--rm', '-it', '--name', 'x', 'img'], ['-a', '/s', '-n', 'ns', 'run', '--rm', '-it', '--name', 'x', 'img', '--']],
    [['run', '-t', 'img', 'sh'], ['run', '-t', 'img', '--', 'sh']],
    [['run', '--network=none', 'img', '--', 'x'], ['run', '--network=none', 'img', '--', 'x']],
    [['exec', '-i', '-e', 'A=1', 'web', 'ls', '-l'], ['exec', '-i', '-e', 'A=1', 'web', '--', 'ls', '-l']],
    [['stop', '-t', '3', 'web'], ['stop', '-t', '3', 'web']],
    [['ps', '-aq'], ['ps', '--all', '--quiet']],
    [['-a', '/s', 'ps', '-a'], ['-a', '/s', 'ps', '--all']],
  ])('%j', (argv, want) => expect(boundCommandArgs(argv)).toEqual(want));
});

test('-v and -e as docker reads them', () => {
  expect(parseVolume('/h:/c:ro')).toEqual({ source: '/h', destination: '/c', readonly: true });
  expect(parseVolume('/h:/c')).toEqual({ source: '/h', destination: '/c', readonly: false });
  expect(() => parseVolume('vol:/c')).toThrow(/named volumes are not supported/);
  expect(() => parseVolume('/h:c')).toThrow(/container path must be absolute/);
  expect(() => parseVolume('/h:/c:rx')).toThrow(/invalid volume specification/);
  expect(parseEnv(['A=1', 'HOME', 'UNSET_X'], { HOME: '/root' })).toEqual(['A=1', 'HOME=/root']);
  expect(() => parseEnv(['=x'], {})).toThrow(/invalid environment variable/);
  expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'])).toEqual(['PATH=/bin', 'A=2', 'B=3']);
});

describe('the container spec', () => {
  const base = {
    id: 'abc', namespace: 'ns', hostname: 'abc', command: [], env: ['X=1'], volumes: [], terminal: false,
    image: { os: 'linux', architecture: 'amd64', config: { Entrypoint: ['/ep'], Cmd: ['c1'], Env: ['PATH=/bin', 'X=0'], WorkingDir: '/w' }, rootfs: { type: 'layers' as const, diff_ids: [] } },
    etcFiles: { hosts: '/d/hosts', hostname: '/d/hostname', resolvConf: '/d/resolv.conf' },
  };

  test('a pinned netns joins by path; the image decides args, env and cwd; cgroups under the namespace', () => {
    const spec = containerSpec({ ...base, netns: '/pins/ns-abc' });
    expect(spec.process!.args).toEqual(['/ep', 'c1']);
    expect(spec.process!.env).toEqual(['PATH=/bin', 'X=1']);
    expect(spec.process!.cwd).toBe('/w');
    expect(spec.linux!.namespaces).toContainEqual({ type: 'network', path: '/pins/ns-abc' });
    expect(spec.linux!.cgroupsPath).toBe('/ns/abc');
    expect(spec.mounts!.map((m) => m.destination)).toEqual(expect.arrayContaining(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']));
  });

  test('host network: no network namespace, no hostname; a command replaces Cmd, not Entrypoint', () => {
    const spec = containerSpec({ ...base, netns: 'host', etcFiles: undefined, command: ['x', 'y'] });
    expect(spec.linux!.namespaces!.map((n) => n.type)).not.toContain('network');
    expect(spec.hostname).toBeUndefined();
    expect(spec.process!.args).toEqual(['/ep', 'x', 'y']);
  });

  test('no command at all is an error', () => {
    const image = { ...base.image, config: {} };
    expect(() => containerSpec({ ...base, image, netns: undefined })).toThrow(/no command specified/);
  });
});

test('durations in docker\'s words', () => {
  const now = 1_000_000_000;
  expect(ago(new Date(now - 400), now)).toBe('Less than a second');
  expect(ago(new Date(now - 5_000), now)).toBe('5 seconds');
  expect(ago(new Date(now - 70_000), now)).toBe('About a minute');
  expect(ago(new Date(now - 600_000), now)).toBe('10 minutes');
  expect(ago(new Date(now - 3_600_000), now)).toBe('About an hour');
});
