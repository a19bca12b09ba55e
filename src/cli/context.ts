// What every command gets from the global flags.
import type { StateStore } from '../runtime/state-store';

export interface GlobalArgs {
  root: string;
  log?: string;
  'log-format'?: string;
  debug?: boolean;
  'systemd-cgroup'?: boolean;
}

export function store(args: GlobalArgs): StateStore {
  // Loaded on demand so `--help` and `--version` stay cheap.
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  return new StateStore(args.root);
}
