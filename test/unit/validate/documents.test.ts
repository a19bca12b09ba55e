// The other documents: the process file of `exec --process`, state.json and update's resources.
import { validateProcess, validateResources, validateState } from '../../../src/runtime/validate';
import { RuntsError } from '../../../src/foundation/errors';
import { maximalConfig, runcSpec } from './fixtures';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuntsError);
    expect((err as RuntsError).kind).toBe('invalid');
    return (err as RuntsError).message;
  }
  throw new Error('expected a validation error');
}

test('the process of runc spec and of the maximal config validate as exec --process files', () => {
  expect(() => validateProcess(runcSpec().process)).not.toThrow();
  expect(() => validateProcess(maximalConfig().process)).not.toThrow();
});

test.each<[string, (p: any) => unknown, string]>([
  ['no cwd', (p) => delete p.cwd, "process.json: must have required property 'cwd'"],
  ['a relative cwd', (p) => (p.cwd = 'work'), 'process.json: /cwd: must be an absolute path, got "work"'],
  ['args as a string', (p) => (p.args = 'sh -c true'), 'process.json: /args: must be an array'],
  ['an env entry that is not a string', (p) => (p.env = ['A=1', 2]), 'process.json: /env/1: must be a string'],
  ['a duplicate rlimit', (p) => p.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }),
    'process.json: /rlimits/1/type: duplicate rlimit RLIMIT_NOFILE'],
  ['a console size missing width', (p) => (p.consoleSize = { height: 10 }),
    "process.json: /consoleSize: must have required property 'width'"],
  ['an ioPriority out of range', (p) => (p.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }),
    'process.json: /ioPriority/priority: must be at most 7'],
  ['an unknown scheduler flag', (p) => (p.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_FAST'] }),
    'process.json: /scheduler/flags/0: must be one of SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, ' +
    'SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX'],
  ['an oomScoreAdj out of range', (p) => (p.oomScoreAdj = 1001), 'process.json: /oomScoreAdj: must be at most 1000'],
])('process: %s', (_name, edit, expected) => {
  const process = runcSpec().process;
  edit(process);
  expect(messageOf(() => validateProcess(process))).toBe(expected);
});

const runcState = {
  ociVersion: '1.0.2-dev',
  id: 'c1',
  pid: 4242,
  status: 'running',
  bundle: '/run/bundles/c1',
  rootfs: '/run/bundles/c1/rootfs',
  created: '2026-11-23T10:00:00.000000000Z',
  owner: '',
  annotations: { 'io.example': 'x' },
};

test('runc-shaped states validate, paused and stopped included', () => {
  expect(validateState(runcState)).toBe(runcState);
  expect(() => validateState({ ...runcState, status: 'paused' })).not.toThrow();
  expect(() => validateState({ ociVersion: '1.3.0', id: 'c1', status: 'stopped', bundle: '/b' })).not.toThrow();
});

test.each<[string, object, string]>([
  ['an unknown status', { ...runcState, status: 'exited' },
    'state.json: /status: must be one of creating, created, running, stopped, paused'],
  ['a running container without pid', { ...runcState, pid: undefined }, "state.json: must have required property 'pid'"],
  ['no bundle', { ...runcState, bundle: undefined }, "state.json: must have required property 'bundle'"],
  ['a negative pid', { ...runcState, pid: -1 }, 'state.json: /pid: must be at least 0'],
])('state: %s', (_name, state, expected) => {
  expect(messageOf(() => validateState(JSON.parse(JSON.stringify(state))))).toBe(expected);
});

test('update --resources input is checked with the linux.resources schema', () => {
  expect(() => validateResources(maximalConfig().linux.resources)).not.toThrow();
  expect(messageOf(() => validateResources({ cpu: { quota: 'max' } }))).toBe('resources: /cpu/quota: must be an integer');
  expect(messageOf(() => validateResources({ pids: { limit: 10 }, memory: { swappiness: -1 } }, 'resources.json'))).toBe(
    'resources.json: /memory/swappiness: must be at least 0',
  );
});
