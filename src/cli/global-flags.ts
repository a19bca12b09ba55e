// runts' global flags as the command line holds them before the command (runc's): those that
// take a value (`--root DIR` or `--root=DIR`) and those that stand alone. bin/runts' sh part
// knows the value flags too, to find the command without starting Node.

export const GLOBAL_VALUE_FLAGS = new Set(['--root', '--log', '--log-format', '--criu']);
const GLOBAL_SWITCHES = new Set(['--debug', '--systemd-cgroup']);

/** Index of the command: the first token that is neither a global flag nor a flag's value. */
export function commandIndex(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith('-')) return i;
    if (GLOBAL_VALUE_FLAGS.has(args[i])) i++;
  }
  return -1;
}

/** Whether arg is one of runts' own global flags (a value flag's value is the next token unless given with `=`). */
export function isGlobalFlag(arg: string): boolean {
  const name = arg.split('=', 1)[0];
  return GLOBAL_VALUE_FLAGS.has(name) || GLOBAL_SWITCHES.has(arg);
}
