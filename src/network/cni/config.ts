// CNI network configuration lists (libcni's conf.go): one network per file in a conf dir,
// `.conflist` as is, a single-plugin `.conf`/`.json` wrapped into a list; looked up by name.
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError, systemError } from '../../foundation/errors';

export const DEFAULT_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_BIN_DIR = '/usr/lib/cni';

export type PluginConf = Record<string, unknown> & { type: string };

export interface NetworkConfList {
  name: string;
  cniVersion: string;
  disableCheck: boolean;
  plugins: PluginConf[];
  /** The file's bytes, cached with results so DEL works if the file changes or goes. */
  bytes: string;
  file: string;
}

const EXTENSIONS = ['.conflist', '.conf', '.json'];

const broken = (file: string, why: string) =>
  new RuntsError(`CNI config ${file}: ${why}`, 'invalid');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one config file's text; a single plugin config becomes a list of one. */
export function parseConfList(text: string, file: string): NetworkConfList {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw broken(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw broken(file, 'not a JSON object');
  const single = !file.endsWith('.conflist') && doc.plugins === undefined;
  const list = single ? { name: doc.name, cniVersion: doc.cniVersion, plugins: [doc] } : doc;
  if (typeof list.name !== 'string' || list.name === '') throw broken(file, 'no network "name"');
  if (typeof list.cniVersion !== 'string' || list.cniVersion === '') throw broken(file, 'no "cniVersion"');
  if (!Array.isArray(list.plugins) || list.plugins.length === 0) throw broken(file, 'no "plugins"');
  const plugins = list.plugins.map((p, i) => {
    if (!isObject(p) || typeof p.type !== 'string' || !/^[\w.-]+$/.test(p.type)) {
      throw broken(file, `plugin ${i} has no valid "type"`);
    }
    return p as PluginConf;
  });
  return {
    name: list.name,
    cniVersion: list.cniVersion,
    disableCheck: (list as Record<string, unknown>).disableCheck === true,
    plugins,
    bytes: single ? JSON.stringify(list) : text,
    file,
  };
}

/** The config files of a conf dir in libcni's order (by file name). */
export function configFiles(confDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(confDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemError(`read CNI conf dir ${confDir}`, err);
  }
  return names.filter((n) => EXTENSIONS.includes(path.extname(n))).sort().map((n) => path.join(confDir, n));
}

/**
 * The network called `name` in confDir. A broken file fails only the lookup that could have
 * meant it (its name is unknown), so its error is reported when nothing else matches.
 */
export function loadNetwork(confDir: string, name: string): NetworkConfList {
  const problems: RuntsError[] = [];
  for (const file of configFiles(confDir)) {
    let list: NetworkConfList;
    try {
      list = parseConfList(fs.readFileSync(file, 'utf8'), file);
    } catch (err) {
      problems.push(err instanceof RuntsError ? err : systemError(`read ${file}`, err));
      continue;
    }
    if (list.name === name) return list;
  }
  if (problems.length > 0) throw new RuntsError(`network ${name} not found in ${confDir}; ${problems.map((p) => p.message).join('; ')}`, 'not-found');
  throw new RuntsError(`network ${name} not found (no CNI config with that name in ${confDir})`, 'not-found');
}
