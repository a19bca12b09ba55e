// A standby (README "Start-up"): a light-commands Node started ahead of time by build/Release/
// runts-light (addon/light/) in its caller's context, its listening socket on fd 3 (addon/common/
// handoff.h). It takes ONE call, becomes that call (stdio, cwd, argv) and runs it as a fresh
// process would; the client waits for the exit status, which goes out before Node's own teardown.
// Nothing touches stdio before: Node makes process.stdout and friends at first use, of the kind of
// fd it finds then.
import * as fs from 'fs';
import { dup2, standbyEndWithCaller, standbyTakeCall } from '../native';
import { standbyLifetimeMs, STANDBY_LISTEN_FD } from '../foundation/standby-lifetime';

/**
 * The hidden first argument that makes the light snapshot's program a standby: `--runts-standby
 * SOCKET [--pwd-is-cwd]`. SOCKET names its socket for ps and scripts/end-standbys.sh; with
 * --pwd-is-cwd its callers' PWD was their cwd (addon/light/main.cc), so it follows each call's.
 */
export const STANDBY_FLAG = '--runts-standby';
const PWD_IS_CWD = '--pwd-is-cwd';

/** Sends the exit status (i32 little-endian) once stdio is let go of, so readers of the call's pipes see their end first. */
function reportExitOnExit(conn: number): void {
  const devNull = fs.openSync('/dev/null', 'r+');
  process.on('exit', (code) => {
    for (let fd = 0; fd < 3; fd++) dup2(devNull, fd);
    const status = Buffer.alloc(4);
    status.writeInt32LE(code ?? 0);
    fs.writeSync(conn, status);
  });
}

/**
 * Waits for one call. Returns its arguments (the command line after the program name) once this
 * process is that call's, or undefined when none came within the lifetime.
 */
export function becomeNextCall(standbyArgs: string[]): string[] | undefined {
  const call = standbyTakeCall(STANDBY_LISTEN_FD, standbyLifetimeMs());
  if (!call) return undefined;
  standbyEndWithCaller(call.conn);
  // process.cwd() caches what it last saw: tell Node where the call runs
  process.chdir(call.cwd);
  if (standbyArgs.includes(PWD_IS_CWD)) process.env.PWD = call.cwd;
  process.argv = [process.argv[0], ...call.args];
  reportExitOnExit(call.conn);
  return call.args;
}
