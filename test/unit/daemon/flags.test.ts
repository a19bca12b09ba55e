// runtsd reads its usual command line without yargs: it must read it exactly as yargs does, and
// leave every other command line to yargs.
import { plainDaemonArgs, yargsDaemonArgs } from '../../../src/daemon/flags';

test.each([
  [[]],
  [['--address', '/run/x.sock', '--root', '/var/lib/x', '--state', '/run/x', '--log-level', 'warn']],
  [['-a', '/s', '-c', '/etc/runtsd.toml', '-l', 'debug']],
  [['--address=/s', '--root=', '--registry-config-path', '/etc/certs.d']],
  [['--config', 'has=equals', '--state=a=b']],
  [['--root', '123']],
])('%j: read as yargs reads it', (argv) => {
  expect(plainDaemonArgs(argv)).toEqual(yargsDaemonArgs(argv));
});

test.each([
  [['--help']],
  [['publish', '--topic', '/tasks/exit']],
  [['--address', 'a', 'publish']],
  [['--root', 'a', '--root', 'b']],
  [['--root', '-x']],
  [['--root']],
  [['--bogus', 'x']],
  [['-a=/s']],
  [['--logLevel', 'debug']],
  [['--no-root']],
  [['stray']],
])('%j: left to yargs', (argv) => {
  expect(plainDaemonArgs(argv)).toBeUndefined();
});
