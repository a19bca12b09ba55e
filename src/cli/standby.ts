// A standby (README "Start-up"): a runts Node (the light commands' snapshot, or the whole
// program's for create) started ahead of time by build/Release/runts-light (addon/light/) in its
// caller's context, its listening socket on fd 3 (addon/standby/handoff.h). It takes ONE call, becomes that call (stdio, cwd, argv) and runs it as a fresh
// process would; the client waits for the exit status, which goes out before Node's own teardown.
// Nothing touches stdio before: Node makes process.stdout and friends at first use, of the kind of
// fd it finds then.
import * as fs from 'fs';
import { dup2, spawnInitsThrough, standbyEndWithCaller, standbyTakeCall } from '../native';
import { standbyLifetimeMs, STANDBY_LISTEN_FD } from '../foundation/standby-lifetime';
import { runProgram } from './program';

/**
 * The hidden first argument that makes a snapshot's program a standby: `--runts-standby
 * SOCKET [--pwd-is-cwd]`. SOCKET names its socket for ps and scripts/end-standbys.sh; with
 * --pwd-is-cwd its callers' PWD was their cwd (addon/light/main.cc), so it follows each call's.
 */
const STANDBY_FLAG = '--runts-standby';
const PWD_IS_CWD = '--pwd-is-cwd';

/** Message kind of the exit status (addon/init_spawn/remote.h: 'E', then an i32 little-endian). */
const CALL_EXITED = 'E'.charCodeAt(0);

/** Sends the exit status once stdio is let go of, so readers of the call's pipes see their end first. */
function reportExitOnExit(conn: number): void {
  const devNull = fs.openSync('/dev/null', 'r+');
  process.on('exit', (code) => {
    for (let fd = 0; fd < 3; fd++) dup2(devNull, fd);
    const message = Buffer.alloc(5);
    message[0] = CALL_EXITED;
    message.writeInt32LE(code ?? 0, 1);
    fs.writeSync(conn, message);
  });
}

/**
 * Waits for one call. Returns its arguments (the command line after the program name) once this
 * process is that call's, or undefined when none came within the lifetime.
 */
function becomeNextCall(standbyArgs: string[]): string[] | undefined {
  const call = standbyTakeCall(STANDBY_LISTEN_FD, standbyLifetimeMs());
  if (!call) return undefined;
  standbyEndWithCaller(call.conn);
  // create's container init must be the caller's child, not ours
  spawnInitsThrough(call.conn);
  // process.cwd() caches what it last saw: tell Node where the call runs
  process.chdir(call.cwd);
  if (standbyArgs.includes(PWD_IS_CWD)) process.env.PWD = call.cwd;
  process.argv = [process.argv[0], ...call.args];
  reportExitOnExit(call.conn);
  return call.args;
}

/**
 * A startup snapshot's main: the program for the command line it was started with, or, started as
 * a standby, for the call it takes (none within the lifetime: it just ends).
 */
export function runStartedProgram(note: string): void {
  const args = process.argv.slice(1);
  if (args[0] !== STANDBY_FLAG) {
    void runProgram(args, note);
    return;
  }
  const callArgs = becomeNextCall(args.slice(1));
  if (callArgs) void runProgram(callArgs, `${note}, ahead of the call (a standby)`);
  else process.exit();
}
