// runProgram: the addon's posix_spawn with three pipes, as runtsd runs shim commands and CNI
// plugins. Every child here exits by itself or is killed by runProgram's own timeout.
import * as fs from 'fs';
import { dup2 } from '../../../src/native';
import { runProgram } from '../../../src/native/run-program';

const SH = '/bin/sh';

it('feeds stdin, collects stdout and stderr apart, reports the exit code', async () => {
  const r = await runProgram(SH, ['-c', 'cat; echo oops >&2; exit 3'], { env: {}, input: 'hello' });
  expect(r).toEqual({ stdout: Buffer.from('hello'), stderr: Buffer.from('oops\n'), status: 3, signal: null });
});

it('reports the signal that ended it, with no exit code', async () => {
  const r = await runProgram(SH, ['-c', 'kill -TERM $$'], { env: {} });
  expect([r.status, r.signal]).toEqual([null, 15]);
});

it('passes exactly the given environment (undefined values left out) and working directory', async () => {
  const env = await runProgram('/usr/bin/env', [], { env: { FOO: 'bar', GONE: undefined } });
  expect(env.stdout.toString()).toBe('FOO=bar\n');
  const cwd = await runProgram('/bin/pwd', [], { env: {}, cwd: '/sys' });
  expect(cwd.stdout.toString()).toBe('/sys\n');
});

it('collects outputs larger than a pipe, and survives a program that never reads its stdin', async () => {
  const big = await runProgram('/usr/bin/head', ['-c', '1048576', '/dev/zero'], { env: {} });
  expect(big.stdout.length).toBe(1048576);
  const deaf = await runProgram('/bin/true', [], { env: {}, input: Buffer.alloc(1 << 20) });
  expect(deaf.status).toBe(0);
});

it('kills the program with SIGKILL once the timeout passes', async () => {
  const start = Date.now();
  const r = await runProgram(SH, ['-c', 'exec sleep 30'], { env: {}, timeoutMs: 200 });
  expect([r.status, r.signal]).toEqual([null, 9]);
  expect(Date.now() - start).toBeLessThan(5000);
});

it('rejects a missing program with one error naming ENOENT, as child_process does', async () => {
  await expect(runProgram('/nonexistent/program', [], { env: {} }))
    .rejects.toMatchObject({ message: 'spawn /nonexistent/program ENOENT', code: 'ENOENT' });
});

it('gives the child no fd but its three pipes, even one of ours without close-on-exec', async () => {
  const fd = fs.openSync('/dev/null', 'r');
  const inheritable = 200;
  dup2(fd, inheritable); // dup2 clears close-on-exec
  try {
    // the shell lists its own fds (ls runs as its child, so $$ is the spawned program)
    const r = await runProgram(SH, ['-c', 'ls -l /proc/$$/fd'], { env: {} });
    const fds = r.stdout.toString().split('\n').filter((l) => l.includes('->'));
    expect(fds.map((l) => / (\d+) ->/.exec(l)![1]).sort()).toEqual(['0', '1', '2']);
    expect(fds.every((l) => /-> pipe:/.test(l))).toBe(true);
  } finally {
    fs.closeSync(inheritable);
    fs.closeSync(fd);
  }
});
