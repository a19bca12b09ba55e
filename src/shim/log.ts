// The shim's diagnostics: one line each to the sink chosen at start-up (containerd's `log` fifo
// in the bundle, which containerd copies to its own log), nowhere by default.
import * as fs from 'fs';

let sinkFd: number | undefined;
let debugEnabled = false;

export function setLogSink(fd: number | undefined, debug: boolean): void {
  sinkFd = fd;
  debugEnabled = debug;
}

export function log(message: string): void {
  if (sinkFd === undefined) return;
  try {
    fs.writeSync(sinkFd, `time="${new Date().toISOString()}" level=info msg=${JSON.stringify(message)} runtime=io.containerd.runts.v2\n`);
  } catch {
    // containerd went away: diagnostics are best effort
  }
}

export function debug(message: string): void {
  if (debugEnabled) log(message);
}
