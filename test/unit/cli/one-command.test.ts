// Which command lines runts parses as one program of the global flags and the command's own
// (src/cli/one-command.ts), and which it leaves to the whole yargs program: the pure decisions,
// on the real command modules. What each path prints is compared end to end through bin/runts in
// test/integration/startup/snapshot.test.ts and the compat tests.
import { parsesAlone, positionalsOf } from '../../../src/cli/one-command';
import { commandIndex } from '../../../src/cli/global-flags';
import state from '../../../src/cli/commands/state';
import kill from '../../../src/cli/commands/kill';
import exec from '../../../src/cli/commands/exec';

test("a command's positionals come from its usage; a variadic one (exec) is left to the whole program", () => {
  expect(positionalsOf(state)).toEqual({ required: ['id'], optional: [] });
  expect(positionalsOf(kill)).toEqual({ required: ['id'], optional: ['signal'] });
  expect(positionalsOf(exec)).toBeUndefined();
});

test('the command is the first token that is neither a global flag nor its value', () => {
  expect(commandIndex(['--root', '/r', '--log', 'l', 'state', 'x'])).toBe(4);
  expect(commandIndex(['--root=/r', '--debug', 'state', 'x'])).toBe(2);
  expect(commandIndex(['--debug'])).toBe(-1);
});

test.each([
  [['state', 'x']],
  [['--root', '/r', '--log', 'l', '--log-format', 'json', 'kill', 'x', 'KILL']],
  [['--root=/r', '--debug', '--systemd-cgroup', 'state', 'x']],
  [['kill', '--all', 'x', '9']],
])('%j is parsed alone', (argv) => {
  expect(parsesAlone(argv, commandIndex(argv))).toBe(true);
});

test.each([
  [['state', '--help']],
  [['state', '-h']],
  [['kill', '-ah', 'x']],
  [['state', 'x', 'help']],
  [['kill', 'x', '--', '9']],
  [['--rootless=true', 'state', 'x']],
  [['--debug=true', 'state', 'x']],
  [['--get-yargs-completions', 'state']],
])('%j goes to the whole program', (argv) => {
  expect(parsesAlone(argv, commandIndex(argv))).toBe(false);
});
