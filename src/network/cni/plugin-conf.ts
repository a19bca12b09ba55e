// The config a plugin reads on stdin (CNI spec, "Section 3: execution of network
// configurations"): the plugin's own object, with the list's name and cniVersion, the previous
// plugin's result, and the runtime's capability arguments the plugin declared it understands.
import { NetworkConfList, PluginConf } from './config';

export type CapabilityArgs = Record<string, unknown>;

export function pluginConf(list: NetworkConfList, plugin: PluginConf, prevResult: unknown, capabilityArgs: CapabilityArgs): Record<string, unknown> {
  const { capabilities, ...own } = plugin;
  const conf: Record<string, unknown> = { ...own, cniVersion: list.cniVersion, name: list.name };
  if (prevResult !== undefined) conf.prevResult = prevResult;
  const declared = (capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(capabilityArgs)) if (declared[key]) runtimeConfig[key] = value;
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  return conf;
}

/** CNI_ARGS: "K=V;K=V". */
export const cniArgsString = (args: [string, string][]) => args.map(([k, v]) => `${k}=${v}`).join(';');
