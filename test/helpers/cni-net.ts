// A CNI bridge network of a test's own: conf dir, bridge name, subnet, IPAM and cache dirs and
// netns pins unique to the process, so parallel runs never meet each other or the default
// network; leftovers() lists what the kernel still holds for it (bridge, veths, nat rules).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TestNetwork {
  dir: string;
  confDir: string;
  cacheDir: string;
  netnsDir: string;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** iptables -t nat rules mentioning this network's subnet or name. */
  natRules(): string[];
  /** veth peers on the bridge. */
  bridgePorts(): string[];
  cleanup(): void;
}

export const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });

export function makeTestNetwork(tag: string): TestNetwork {
  noteSharedChains();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runts-net-${tag}-`));
  const n = (process.pid % 200) + 20;
  const third = { cni: 1, ctl: 2, bench: 3, cri: 5, ce: 6, cg: 7 }[tag] ?? 4;
  const name = `runts-${tag}-${process.pid}`;
  const bridge = `rt${tag.slice(0, 3)}${process.pid % 100000}`.slice(0, 15);
  const subnet = `10.${n}.${third}.0/24`;
  const confDir = path.join(dir, 'net.d');
  fs.mkdirSync(confDir);
  fs.writeFileSync(path.join(confDir, '10-test.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(dir, 'ipam') } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall' },
      { type: 'tuning' },
    ],
  }));
  const natRules = () => sh('iptables', ['-t', 'nat', '-S']).stdout.split('\n')
    .filter((l) => l.includes(subnet.split('/')[0].replace(/\.0$/, '.')) || l.includes(name));
  const bridgePorts = () => sh('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.split('\n').filter(Boolean);
  return {
    dir, confDir, name, bridge, subnet,
    cacheDir: path.join(dir, 'cache'),
    netnsDir: path.join(dir, 'netns'),
    gateway: subnet.replace(/0\/24$/, '1'),
    natRules,
    bridgePorts,
    cleanup() {
      // pins a failed test left: unmounted first, or the directory cannot go
      for (const pin of fs.existsSync(path.join(dir, 'netns')) ? fs.readdirSync(path.join(dir, 'netns')) : []) sh('umount', ['-l', path.join(dir, 'netns', pin)]);
      for (const pin of fs.existsSync(path.join(dir, 'data', 'netns')) ? fs.readdirSync(path.join(dir, 'data', 'netns')) : []) sh('umount', ['-l', path.join(dir, 'data', 'netns', pin)]);
      sh('ip', ['link', 'del', bridge]);
      removeRulesOf(name);
      removeSharedChainsIfUnused();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes one rule as `iptables -S` prints it (quoted comments kept whole); returns its words. */
function deleteRule(table: string, rule: string): string[] {
  const args = rule.match(/"(?:[^"\\]|\\.)*"|\S+/g)!.map((a) => (a.startsWith('"') ? a.slice(1, -1).replace(/\\"/g, '"') : a));
  sh('iptables', ['-t', table, '-D', ...args.slice(1)]);
  return args;
}

/** Last resort after a failed test: the iptables rules the plugins tagged with this network's name, and their chains. */
export function removeRulesOf(network: string): void {
  for (const table of ['nat', 'filter']) {
    const tagged = sh('iptables', ['-t', table, '-S']).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(`name: \\"${network}\\"`));
    const chains = new Set<string>();
    for (const rule of tagged) {
      const args = deleteRule(table, rule);
      const jump = args[args.indexOf('-j') + 1];
      if (/^CNI-(DN-)?[0-9a-f]+$/.test(jump)) chains.add(jump);
    }
    for (const chain of chains) {
      sh('iptables', ['-t', table, '-F', chain]);
      sh('iptables', ['-t', table, '-X', chain]);
    }
  }
}

/** The chains portmap and firewall make once per host and never remove, with the rules each holds
 * when no network uses it (the plugins' own fixed rules). */
const SHARED_CHAINS: { table: string; chain: string; idle: RegExp[] }[] = [
  { table: 'nat', chain: 'CNI-HOSTPORT-DNAT', idle: [] },
  { table: 'nat', chain: 'CNI-HOSTPORT-MASQ', idle: [/-j MASQUERADE$/] },
  { table: 'nat', chain: 'CNI-HOSTPORT-SETMARK', idle: [/-j MARK /] },
  { table: 'filter', chain: 'CNI-FORWARD', idle: [/-j CNI-ADMIN$/] },
  { table: 'filter', chain: 'CNI-ADMIN', idle: [] },
];

// Which shared chains test processes brought to this host (absent when one made its first network):
// those go once idle, the host's own stay. A file, not this process's memory: test processes run
// side by side (a bench beside the suite, jest files at once), and the one that brought a chain may
// end while another's network still uses it, which saw the chain there before its own network.
const BROUGHT_CHAINS = '/run/runts-tests-cni-shared-chains';
let noted = false;

const rulesOf = (table: string) => sh('iptables', ['-t', table, '-S']).stdout.split('\n');

const broughtChains = () => new Set((fs.existsSync(BROUGHT_CHAINS) ? fs.readFileSync(BROUGHT_CHAINS, 'utf8') : '').split('\n').filter(Boolean));

/** Records the shared chains the host lacks now as the tests', once per process: call before a first network. */
export function noteSharedChains(): void {
  if (noted) return;
  noted = true;
  const missing = SHARED_CHAINS.filter(({ table, chain }) => !rulesOf(table).includes(`-N ${chain}`));
  if (missing.length === 0) return;
  fs.appendFileSync(BROUGHT_CHAINS, missing.map(({ chain }) => `${chain}\n`).join(''));
}

/** Removes the shared chains the tests brought, once no network's rule is in them. */
export function removeSharedChainsIfUnused(): void {
  const brought = broughtChains();
  const ours = SHARED_CHAINS.filter(({ chain }) => brought.has(chain));
  if (ours.length === 0) return;
  const inUse = ours.some(({ table, chain, idle }) => rulesOf(table)
    .some((l) => l.startsWith(`-A ${chain} `) && !idle.some((re) => re.test(l))));
  if (inUse) return;
  for (const { table, chain } of ours) {
    // the jumps into it from the built-in chains (PREROUTING, OUTPUT, POSTROUTING, FORWARD)
    for (const rule of rulesOf(table).filter((l) => l.startsWith('-A ') && !l.startsWith(`-A ${chain} `) && l.endsWith(`-j ${chain}`))) {
      deleteRule(table, rule);
    }
  }
  for (const { table, chain } of ours) sh('iptables', ['-t', table, '-F', chain]);
  for (const { table, chain } of ours) sh('iptables', ['-t', table, '-X', chain]);
  fs.rmSync(BROUGHT_CHAINS, { force: true });
}
