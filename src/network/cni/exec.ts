// Runs one CNI plugin binary the way the spec says: found in the bin dirs (CNI_PATH), the command
// and container in CNI_* variables, the config on stdin, a result or an error object on stdout.
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../../foundation/errors';
import { runProgram } from '../../native/run-program';

export type CniCommand = 'ADD' | 'CHECK' | 'DEL' | 'VERSION';

export interface PluginCall {
  command: CniCommand;
  containerId: string;
  /** Path of the network namespace; '' when it is gone (DEL) or not needed (VERSION). */
  netns: string;
  ifName: string;
  /** CNI_ARGS, already joined. */
  args: string;
}

/** The binary for a plugin type: the first of the bin dirs that has it. */
export function findPlugin(type: string, binDirs: string[]): string {
  for (const dir of binDirs) {
    const candidate = path.join(dir, type);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  throw new RuntsError(`CNI plugin ${type} not found in ${binDirs.join(':')}`, 'not-found');
}

/** The spec's error object as one line: "plugin type=bridge failed (ADD): msg; details". */
export function pluginFailure(type: string, command: CniCommand, stdout: string, stderr: string, status: number | null): RuntsError {
  let message = '';
  try {
    const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    message = [e.msg, e.details].filter(Boolean).join('; ');
    if (e.code !== undefined) message += ` (code ${e.code})`;
  } catch {
    // not the error object: fall back to what it printed
  }
  if (!message) message = (stderr.trim() || stdout.trim() || `exit status ${status}`).split('\n').slice(-1)[0];
  return new RuntsError(`CNI plugin ${type} failed (${command}): ${message}`);
}

export async function execPlugin(binary: string, binDirs: string[], call: PluginCall, stdin: object): Promise<unknown> {
  const type = path.basename(binary);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifName,
    CNI_ARGS: call.args,
    CNI_PATH: binDirs.join(':'),
  };
  let result;
  try {
    result = await runProgram(binary, [], { env, input: JSON.stringify(stdin) });
  } catch (e) {
    throw new RuntsError(`CNI plugin ${type}: cannot run ${binary}: ${(e as Error).message}`);
  }
  const stdout = result.stdout.toString();
  if (result.status !== 0) throw pluginFailure(type, call.command, stdout, result.stderr.toString(), result.status);
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    throw new RuntsError(`CNI plugin ${type} (${call.command}) printed a result that is not JSON: ${stdout.slice(0, 200)}`);
  }
}
