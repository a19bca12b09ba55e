// Hooks that run in the runtime's namespaces (prestart, createRuntime, poststart, poststop):
// the OCI state JSON on stdin, the hook's timeout, one clear error when one fails.
import { RuntsError } from '../foundation/errors';
import { Hook } from './spec';

export type HookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

function runHook(kind: HookKind, index: number, hook: Hook, state: string): Promise<void> {
  const what = `${kind} hook #${index} (${hook.path})`;
  // Loaded here: child_process brings net, dgram and the stream modules (~5 ms of every `start`
  // and `delete`, which mostly have no hook).
  const { spawn } = require('child_process') as typeof import('child_process');
  return new Promise((resolve, reject) => {
    const argv = hook.args && hook.args.length ? hook.args : [hook.path];
    const child = spawn(hook.path, argv.slice(1), {
      argv0: argv[0],
      env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (hook.timeout) {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new RuntsError(`${what}: timed out after ${hook.timeout}s`, 'system'));
      }, hook.timeout * 1000);
    }
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.on('error', () => { /* a hook need not read its stdin */ });
    child.stdin!.end(state);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new RuntsError(`${what}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : err.message}`, 'system'));
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new RuntsError(`${what} failed: ${signal ? `killed by ${signal}` : `exit status ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`, 'system'));
    });
  });
}

/**
 * Runs the hooks in order; the first failure stops the rest and is thrown. The state is taken
 * only when there is a hook: deriving it may open the container's cgroup (paused or running).
 */
export async function runHooks(kind: HookKind, hooks: Hook[] | undefined, state: () => object): Promise<void> {
  if (!hooks?.length) return;
  const json = JSON.stringify(state());
  for (const [i, hook] of hooks.entries()) await runHook(kind, i, hook, json);
}
