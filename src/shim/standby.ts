// A standby shim (addon/launcher/standby.cc): Node started ahead of time from the shim's snapshot,
// its listening socket on fd 3, waiting for the next `start` of its context. Once it takes one, it
// is that start's process (stdio, cwd, args, command line) and src/shim/start.ts runs as it
// would have in a Node started for it. Nothing touches stdio before: Node makes process.stdout
// and friends at first use, of the kind of fd it finds then.
import * as fs from 'fs';
import * as native from '../native';
import { standbyLifetimeMs, STANDBY_LISTEN_FD } from '../foundation/standby-lifetime';
import { setStartupNote, startupNote } from './startup-note';

/** The args of the start this standby took, or undefined when none came within its lifetime. */
export function takeCall(): string[] | undefined {
  const waitedFrom = Date.now();
  // ps and argv matching see a shim started for the call: this Node command line up to `standby`,
  // then the call's args, over `standby ROOM` (the launcher's room for them)
  const commandLine = fs.readFileSync('/proc/self/cmdline');
  const nodeCommand = commandLine.subarray(0, commandLine.lastIndexOf('\0standby\0') + 1);
  const call = native.standbyTakeCall(STANDBY_LISTEN_FD, standbyLifetimeMs(), commandLine.length - nodeCommand.length);
  if (!call) return undefined;
  // the launcher holds its end until the start is done; a shim needs none
  fs.closeSync(call.conn);
  process.chdir(call.cwd);
  native.showCommandLine([...nodeCommand.toString().split('\0').slice(0, -1), ...call.args]);
  process.argv = [process.argv[0], ...call.args];
  setStartupNote(`${startupNote()}, a standby for ${Date.now() - waitedFrom} ms before this start`);
  return call.args;
}
