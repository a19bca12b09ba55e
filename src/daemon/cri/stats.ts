// Container and pod stats read from the cgroups runtsd placed them in: CPU time (and the rate
// since the last sample, nano cores), memory working set (usage minus inactive file pages) and
// the writable layer's size. A pod's figures are its pause container's plus its containers'.
import * as fs from 'fs';
import * as path from 'path';
import { openCgroup } from '../../cgroups';
import { CriPlugin, SNAPSHOTTER } from './plugin';
import { ContainerMeta, CriRecord, Message, SandboxMeta } from './store';
import { stateOf } from './containers';

interface Sample { cpu: number; memory: number; usage: number; rss: number; faults: number; majorFaults: number }

const lastCpu = new Map<string, { at: number; total: number }>();

function sample(cgroupsPath: string): Sample | undefined {
  try {
    const s = openCgroup({ path: cgroupsPath }).stats();
    const raw = s.memory.raw;
    const usage = Number(s.memory.usage.usage);
    const inactive = Number(raw.total_inactive_file ?? raw.inactive_file ?? 0n);
    return {
      cpu: Number(s.cpu.usage.total),
      memory: Math.max(0, usage - inactive),
      usage,
      rss: Number(raw.total_rss ?? raw.anon ?? 0n),
      faults: Number(raw.total_pgfault ?? raw.pgfault ?? 0n),
      majorFaults: Number(raw.total_pgmajfault ?? raw.pgmajfault ?? 0n),
    };
  } catch {
    return undefined; // the cgroup is gone (the task stopped)
  }
}

function nanoCores(key: string, now: number, total: number): number {
  const prev = lastCpu.get(key);
  lastCpu.set(key, { at: now, total });
  if (!prev || now <= prev.at) return 0;
  return Math.round(((total - prev.total) / (now - prev.at)) * 1e9);
}

function usageOf(key: string, s: Sample | undefined, now: number) {
  return {
    cpu: { timestamp: now, usage_core_nano_seconds: { value: s?.cpu ?? 0 }, usage_nano_cores: { value: s ? nanoCores(key, now, s.cpu) : 0 } },
    memory: {
      timestamp: now,
      working_set_bytes: { value: s?.memory ?? 0 },
      usage_bytes: { value: s?.usage ?? 0 },
      rss_bytes: { value: s?.rss ?? 0 },
      page_faults: { value: s?.faults ?? 0 },
      major_page_faults: { value: s?.majorFaults ?? 0 },
      available_bytes: null,
    },
  };
}

/** Bytes and inodes under a directory (the snapshot's upper dir), not following links. */
export function diskUsage(dir: string): { bytes: number; inodes: number } {
  let bytes = 0;
  let inodes = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      inodes++;
      try {
        bytes += fs.lstatSync(p).size;
      } catch {
        continue;
      }
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return { bytes, inodes };
}

export const snapshotterRoot = (cri: CriPlugin) => path.join(cri.deps.config.root, `io.containerd.snapshotter.v1.${SNAPSHOTTER}`);

async function writableLayer(cri: CriPlugin, id: string, now: number): Promise<Message> {
  let usage = { bytes: 0, inodes: 0 };
  try {
    const { mounts } = await cri.client.unary('snapshots', 'Mounts', { snapshotter: SNAPSHOTTER, key: id });
    const upper = (mounts[0]?.options ?? []).find((o: string) => o.startsWith('upperdir='));
    if (upper) usage = diskUsage(upper.slice('upperdir='.length));
  } catch {
    // no snapshot (removed meanwhile): nothing written
  }
  return { timestamp: now, fs_id: { mountpoint: snapshotterRoot(cri) }, used_bytes: { value: usage.bytes }, inodes_used: { value: usage.inodes } };
}

export async function containerStats(cri: CriPlugin, c: CriRecord<ContainerMeta>): Promise<Message> {
  const now = Date.now() * 1e6;
  const running = (await stateOf(cri, c)) === 'CONTAINER_RUNNING';
  const usage = usageOf(c.id, running ? sample(c.meta.cgroupsPath) : undefined, now);
  return {
    attributes: { id: c.id, metadata: c.meta.config.metadata, labels: c.meta.config.labels ?? {}, annotations: c.meta.config.annotations ?? {} },
    ...usage,
    writable_layer: await writableLayer(cri, c.id, now),
  };
}

export async function podSandboxStats(cri: CriPlugin, s: CriRecord<SandboxMeta>): Promise<Message> {
  const now = Date.now() * 1e6;
  const containers = (await cri.store.list<ContainerMeta>('container')).filter((c) => c.meta.sandboxId === s.id);
  const samples = [s.meta.stopped ? undefined : sample(s.meta.cgroupsPath)];
  const containerStatsList: Message[] = [];
  for (const c of containers) {
    if ((await stateOf(cri, c)) !== 'CONTAINER_RUNNING') continue;
    samples.push(sample(c.meta.cgroupsPath));
    containerStatsList.push(await containerStats(cri, c));
  }
  const present = samples.filter((x): x is Sample => x !== undefined);
  const sum = present.length ? present.reduce((a, b) => ({
    cpu: a.cpu + b.cpu, memory: a.memory + b.memory, usage: a.usage + b.usage, rss: a.rss + b.rss,
    faults: a.faults + b.faults, majorFaults: a.majorFaults + b.majorFaults,
  })) : undefined;
  return {
    attributes: { id: s.id, metadata: s.meta.config.metadata, labels: s.meta.config.labels ?? {}, annotations: s.meta.config.annotations ?? {} },
    linux: { ...usageOf(`pod-${s.id}`, sum, now), network: null, process: null, containers: containerStatsList },
    windows: null,
  };
}
