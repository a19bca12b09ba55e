// The CRI plugin's settings, read where containerd keeps them: the
// [plugins."io.containerd.grpc.v1.cri"] table of config.toml. Keys runtsd implements are taken;
// every other key is named back so start-up can warn about it (never silently taken).
import * as path from 'path';
import { invalid } from '../../foundation/errors';
import { parseGoDuration } from '../../foundation/go-duration';
import { DEFAULT_BIN_DIR, DEFAULT_CONF_DIR } from '../../network/cni/config';

export interface CriConfig {
  /** The pod sandbox image; '' = the one runtsd builds from runts-pause. */
  sandboxImage: string;
  cniBinDirs: string[];
  cniConfDir: string;
  /** hosts.toml directory per registry host (used by PullImage). */
  registryConfigPath: string;
  /** Clamp requested oom_score_adj to the daemon's own (for a daemon without CAP_SYS_RESOURCE). */
  restrictOomScoreAdj: boolean;
  streamServerAddress: string;
  streamServerPort: string;
  /** stream_idle_timeout: a streaming session idle this long is closed; 0 never. */
  streamIdleTimeoutMs: number;
  /** containerd.default_runtime_name: a key of runtimes, '' for runtsd's shim with no options. */
  defaultRuntime: string;
  /** containerd.runtimes.<name>: the shim (runtime_type) and its options file (options.ConfigPath). */
  runtimes: Record<string, { type: string; configPath: string }>;
  /**
   * runtsd only (`pods_per_shim`): how many pods of runts's default runtime share one shim, which
   * bounds what one shim's crash takes down; 1 = one shim per pod, as containerd.
   */
  podsPerShim: number;
}

export const DEFAULT_CRI_CONFIG: CriConfig = {
  sandboxImage: '',
  cniBinDirs: [DEFAULT_BIN_DIR, '/opt/cni/bin'],
  cniConfDir: DEFAULT_CONF_DIR,
  registryConfigPath: '',
  restrictOomScoreAdj: false,
  streamServerAddress: '127.0.0.1',
  streamServerPort: '0',
  streamIdleTimeoutMs: 4 * 3600_000, // containerd's default, "4h0m0s"
  defaultRuntime: '',
  runtimes: {},
  // a Node shim is ~20 MiB: eight pods share it at ~2.5 MiB each, a crash takes eight down
  podsPerShim: 8,
};

export const CRI_PLUGIN = 'io.containerd.grpc.v1.cri';

export interface CriSettings {
  config: Partial<CriConfig>;
  /** Dotted names of keys in the table runtsd does not implement. */
  ignored: string[];
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The cri table of a containerd config; `where` names the file in errors. */
export function readCriTable(table: unknown, where: string): CriSettings {
  if (!isTable(table)) throw invalid(`${where}: plugins."${CRI_PLUGIN}" must be a table`);
  const config: Partial<CriConfig> = {};
  const ignored: string[] = [];
  const str = (key: string, v: unknown): string => {
    if (typeof v !== 'string') throw invalid(`${where}: ${key} must be a string`);
    return v;
  };
  const walk = (t: Table, prefix: string) => {
    for (const [key, value] of Object.entries(t)) {
      const name = prefix ? `${prefix}.${key}` : key;
      switch (name) {
        case 'sandbox_image': config.sandboxImage = str(name, value); break;
        case 'cni.bin_dir': config.cniBinDirs = str(name, value).split(':').filter(Boolean); break;
        case 'cni.conf_dir': config.cniConfDir = str(name, value); break;
        case 'registry.config_path': config.registryConfigPath = str(name, value); break;
        case 'stream_server_address': config.streamServerAddress = str(name, value); break;
        case 'stream_server_port': config.streamServerPort = str(name, value); break;
        case 'stream_idle_timeout': {
          const ms = parseGoDuration(str(name, value));
          if (ms === undefined || ms < 0) throw invalid(`${where}: ${name} must be a duration such as "4h0m0s" or "30s" (0: no timeout)`);
          config.streamIdleTimeoutMs = ms;
          break;
        }
        case 'restrict_oom_score_adj':
          if (typeof value !== 'boolean') throw invalid(`${where}: ${name} must be true or false`);
          config.restrictOomScoreAdj = value;
          break;
        case 'containerd.default_runtime_name': config.defaultRuntime = str(name, value); break;
        case 'pods_per_shim':
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(`${where}: ${name} must be a whole number of at least 1`);
          config.podsPerShim = value;
          break;
        default: {
          const runtime = /^containerd\.runtimes\.([^.]+)\.(runtime_type|options\.ConfigPath|options\.SystemdCgroup)$/.exec(name);
          if (runtime?.[2] === 'options.SystemdCgroup') {
            if (value !== false) throw invalid(`${where}: ${name}: only the cgroupfs driver (false) is implemented`);
          } else if (runtime) {
            config.runtimes ??= {};
            const entry = (config.runtimes[runtime[1]] ??= { type: 'io.containerd.runts.v2', configPath: '' });
            if (runtime[2] === 'runtime_type') entry.type = str(name, value);
            else entry.configPath = str(name, value);
          } else if (isTable(value)) {
            walk(value, name);
          } else {
            ignored.push(name);
          }
        }
      }
    }
  };
  walk(table, '');
  if (config.cniConfDir !== undefined && !path.isAbsolute(config.cniConfDir)) throw invalid(`${where}: cni.conf_dir must be absolute`);
  if (config.defaultRuntime && !config.runtimes?.[config.defaultRuntime]) {
    throw invalid(`${where}: containerd.default_runtime_name "${config.defaultRuntime}" has no containerd.runtimes.${config.defaultRuntime} table`);
  }
  return { config, ignored };
}
