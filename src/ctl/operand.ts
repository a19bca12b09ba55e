// docker-style `run [OPTIONS] IMAGE [COMMAND] [ARG...]`: everything after the image (or exec's
// container) belongs to the command, even what looks like an option (`ip -o link`). yargs cannot
// stop parsing inside a subcommand, so a `--` is put after that operand before it parses.

/** Options of runtsctl and of these commands that take a value (the rest are flags). */
const VALUE_OPTIONS = new Set(['--address', '-a', '--namespace', '-n', '--data-root', '--cni-path', '--cni-netconfpath',
  '--name', '--env', '-e', '--volume', '-v', '--publish', '-p', '--network', '--net', '--workdir', '-w', '--time', '-t', '--signal', '-s']);
const BOUNDED = new Set(['run', 'exec']);

/** The index of the first operand at or after `from`, skipping options and their values. */
function operandIndex(argv: string[], from: number, valueOptions: Set<string>): number {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return -1;
    if (!a.startsWith('-') || a === '-') return i;
    if (!a.includes('=') && valueOptions.has(a)) i++;
  }
  return -1;
}

// docker's `ps -a` clashes with runtsctl's global -a (--address, as ctr has it): after `ps`,
// -a means --all.
const PS_FLAGS: Record<string, string> = { a: '--all', q: '--quiet' };

export function boundCommandArgs(argv: string[]): string[] {
  const command = operandIndex(argv, 0, VALUE_OPTIONS);
  if (command >= 0 && argv[command] === 'ps') {
    return [...argv.slice(0, command + 1), ...argv.slice(command + 1).flatMap((a) =>
      (/^-[aq]+$/.test(a) ? [...a.slice(1)].map((f) => PS_FLAGS[f]) : [a]))];
  }
  if (command < 0 || !BOUNDED.has(argv[command])) return argv;
  // -t is a flag of run and exec (tty), only stop's -t takes a value
  const local = new Set([...VALUE_OPTIONS].filter((o) => o !== '-t' && o !== '--time'));
  const operand = operandIndex(argv, command + 1, local);
  if (operand < 0 || argv[operand + 1] === '--') return argv;
  return [...argv.slice(0, operand + 1), '--', ...argv.slice(operand + 1)];
}
