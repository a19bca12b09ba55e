// runtsd's configuration: defaults, then a config file (containerd's layout: root, state,
// grpc.address, debug.level, the CRI plugin's table; other plugin tables are ignored),
// then command-line flags.
import * as fs from 'fs';
import { invalid, systemError } from '../foundation/errors';
import { LogLevel, isLogLevel } from './log';
import { parseToml } from '../foundation/toml';
import { CRI_PLUGIN, CriSettings, readCriTable } from './cri/config';

export interface DaemonConfig {
  address: string;
  root: string;
  state: string;
  logLevel: LogLevel;
  /** Registry hosts directory (containerd's certs.d layout: <host>/hosts.toml, CAs). */
  registryHostsDir: string;
  /** The CRI plugin's table, when the config file has one. */
  cri?: CriSettings;
}

export const DEFAULT_CONFIG: DaemonConfig = {
  address: '/run/runtsd/runtsd.sock',
  root: '/var/lib/runtsd',
  state: '/run/runtsd',
  logLevel: 'info',
  registryHostsDir: '/etc/containerd/certs.d',
};

interface ConfigFile {
  root?: unknown;
  state?: unknown;
  grpc?: { address?: unknown };
  debug?: { level?: unknown };
  registry?: { config_path?: unknown };
  plugins?: Record<string, unknown>;
}

/** Reads a config file: TOML (containerd's format) or JSON by extension. */
export function readConfigFile(file: string): Partial<DaemonConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw systemError(`reading config ${file}`, err);
  }
  let parsed: ConfigFile;
  if (/\.toml$/i.test(file)) {
    parsed = parseToml(text, file);
  } else {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw invalid(`config ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`config ${file} must hold an object`);
  }
  const out: Partial<DaemonConfig> = {};
  const str = (key: string, v: unknown) => {
    if (typeof v !== 'string' || !v) throw invalid(`config ${file}: ${key} must be a non-empty string`);
    return v;
  };
  if (parsed.root !== undefined) out.root = str('root', parsed.root);
  if (parsed.state !== undefined) out.state = str('state', parsed.state);
  if (parsed.grpc?.address !== undefined) out.address = str('grpc.address', parsed.grpc.address);
  if (parsed.debug?.level !== undefined) out.logLevel = logLevel(str('debug.level', parsed.debug.level));
  if (parsed.registry?.config_path !== undefined) out.registryHostsDir = str('registry.config_path', parsed.registry.config_path);
  if (parsed.plugins?.[CRI_PLUGIN] !== undefined) out.cri = readCriTable(parsed.plugins[CRI_PLUGIN], `config ${file}`);
  return out;
}

export function logLevel(s: string): LogLevel {
  if (!isLogLevel(s)) throw invalid(`log level "${s}" is invalid: use debug, info, warn or error`);
  return s;
}
