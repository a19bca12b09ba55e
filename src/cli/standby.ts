// A standby (README "Start-up"): a light-commands Node started ahead of time by build/Release/
// runts-light (addon/light/) in its caller's context, waiting at a socket named by that context's
// digest. It takes ONE call, becomes that call (stdio, cwd, argv) and runs it as a fresh process
// would; the client waits for the exit status, which goes out before Node's own teardown.
import * as fs from 'fs';
import { standbyWait, dup2, type StandbyCall } from '../native';

/**
 * The hidden first argument that makes the light snapshot's program a standby: `--runts-standby
 * SOCKET [--pwd-is-cwd]`; with --pwd-is-cwd its callers' PWD was their cwd (addon/light/context.h).
 */
export const STANDBY_FLAG = '--runts-standby';
const PWD_IS_CWD = '--pwd-is-cwd';

const DEFAULT_LIFETIME_SECONDS = 60;

function lifetimeMs(): number {
  const text = process.env.RUNTS_STANDBY_SECONDS;
  const seconds = text && /^\d+$/.test(text) && Number(text) <= 86400 ? Number(text) : DEFAULT_LIFETIME_SECONDS;
  return seconds * 1000;
}

/** Sends the exit status (i32 little-endian) once stdio is let go of, so readers of the call's pipes see their end first. */
function reportExitOnExit(call: StandbyCall): void {
  const devNull = fs.openSync('/dev/null', 'r+');
  process.on('exit', (code) => {
    for (let fd = 0; fd < 3; fd++) dup2(devNull, fd);
    const status = Buffer.alloc(4);
    status.writeInt32LE(code ?? 0);
    fs.writeSync(call.conn, status);
  });
}

/**
 * Waits for one call at the socket the standby arguments name. Returns its arguments (the command line after the program
 * name) once this process is that call's, or undefined when none came within the lifetime.
 */
export function becomeNextCall([socketPath, pwdFlag]: string[]): string[] | undefined {
  // build/Release/runts-light marks a standby on its way beside its socket
  const call = standbyWait(socketPath, socketPath.replace(/\.sock$/, '.starting'), lifetimeMs());
  if (!call) return undefined;
  call.stdio.forEach((fd, i) => {
    dup2(fd, i);
    fs.closeSync(fd);
  });
  // process.cwd() caches what it last saw: tell Node where the call runs
  process.chdir(call.cwd);
  if (pwdFlag === PWD_IS_CWD) process.env.PWD = call.cwd;
  process.argv = [process.argv[0], ...call.args];
  reportExitOnExit(call);
  return call.args;
}
