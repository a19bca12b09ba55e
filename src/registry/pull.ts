// Pulling an image into a content target: resolve the reference, pick the platform's manifest
// from an index, fetch the config, then the layers a few at a time (containerd's default is 3),
// unpacking each as soon as it and the ones below it are in (when an unpacker is given). The
// documents are written last, children before parents, each labelled with the children garbage
// collection must keep (containerd.io/gc.ref.content.*) and with where it came from
// (containerd.io/distribution.source.<host>, which a later push uses to mount blobs).
import {
  Descriptor, ImageManifest, parseConfig, parseIndex, parseManifest, selectManifest,
} from '../image/documents';
import { isIndex, isManifest } from '../image/media-types';
import { Platform } from '../image/platform';
import { chainIds } from '../image/chain';
import { RuntsError } from '../foundation/errors';
import { RepositoryClient } from './client';
import { fetchBlob } from './blobs';
import { fetchManifest, resolveRoot } from './manifests';
import { formatReference } from '../image/reference';
import { BlobWriter, ContentTarget, LayerUnpacker } from './target';

/** containerd's default number of layers fetched at once. */
const DEFAULT_CONCURRENCY = 3;

export interface PullEvents {
  resolved?(name: string, root: Descriptor): void;
  /** A layer's download started (or was found stored: `stored`). */
  layer?(layer: Descriptor, stored: boolean): void;
  bytes?(layer: Descriptor, n: number): void;
  downloaded?(layer: Descriptor): void;
  unpacked?(layer: Descriptor, state: 'exists' | 'unpacked'): void;
}

export interface PullOptions {
  platform: Platform;
  concurrency?: number;
  unpacker?: LayerUnpacker;
  events?: PullEvents;
}

export interface PulledImage {
  /** The normalised reference: the image's name. */
  name: string;
  /** The root document (index or manifest): the image's target. */
  target: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

const CONFIG_LIMIT = 8 << 20;

/** The ingest ref containerd gives a blob, so an interrupted pull resumes where it was. */
export function ingestRef(desc: Descriptor): string {
  const kind = isIndex(desc.mediaType) ? 'index' : isManifest(desc.mediaType) ? 'manifest' : /config/.test(desc.mediaType) ? 'config' : 'layer';
  return `${kind}-${desc.digest}`;
}

/** Writes a document already in memory (a manifest, an index, a config). */
async function storeDocument(content: ContentTarget, desc: Descriptor, data: Buffer, labels: Record<string, string>): Promise<void> {
  const writer = await content.writer(ingestRef(desc), desc);
  if (!writer) {
    if (Object.keys(labels).length) await content.label(desc.digest, labels);
    return;
  }
  try {
    if (writer.offset > 0) await writer.reset();
    await writer.write(data);
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  await writer.commit(labels);
}

async function fetchConfig(repo: RepositoryClient, content: ContentTarget, desc: Descriptor, source: Record<string, string>): Promise<Buffer> {
  if (desc.size > CONFIG_LIMIT) throw new RuntsError(`image config ${desc.digest} declares ${desc.size} bytes, over the ${CONFIG_LIMIT}-byte limit`, 'invalid');
  const writer = await content.writer(ingestRef(desc), desc);
  if (!writer) {
    await content.label(desc.digest, source);
    return content.read(desc.digest);
  }
  const parts: Buffer[] = [];
  const keeping: BlobWriter = {
    get offset() { return writer.offset; },
    write: (chunk) => { parts.push(chunk); return writer.write(chunk); },
    reset: () => { parts.length = 0; return writer.reset(); },
    commit: (labels) => writer.commit(labels),
    abort: () => writer.abort(),
  };
  await fetchBlob(repo, desc, keeping, source);
  const data = Buffer.concat(parts);
  // A resumed ingest held a prefix this process never saw: read the whole blob back.
  return data.length === desc.size ? data : content.read(desc.digest);
}

/** Runs `work` over items with at most `limit` at a time; the first failure stops new starts. */
async function bounded<T>(items: T[], limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (err) {
        if (failed === undefined) failed = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Unpacks layers strictly in order, each as soon as it is downloaded. */
class UnpackPipeline {
  private chain: Promise<void> = Promise.resolve();
  private readonly ready: (() => void)[] = [];
  private readonly waits: Promise<void>[];
  private readonly chains: string[];
  private abandoned = false;

  constructor(private readonly unpacker: LayerUnpacker, private readonly layers: Descriptor[], private readonly diffIds: string[], events: PullEvents) {
    this.chains = chainIds(diffIds);
    this.waits = layers.map(() => new Promise<void>((resolve) => this.ready.push(resolve)));
    for (const [i, layer] of layers.entries()) {
      this.chain = this.chain.then(async () => {
        await this.waits[i];
        if (this.abandoned) return;
        const state = await unpacker.unpack(layer, diffIds[i], this.chains[i], i ? this.chains[i - 1] : '');
        events.unpacked?.(layer, state);
      });
    }
    // Awaited in finish(); a failure before then must not be an unhandled rejection.
    this.chain.catch(() => undefined);
  }

  downloaded(i: number): void {
    this.unpacker.prefetch?.(this.layers[i], i, this.diffIds[i], this.chains[i]);
    this.ready[i]();
  }

  /** After a failed download: the layer being unpacked ends, no other starts. */
  async abandon(): Promise<void> {
    this.abandoned = true;
    this.ready.forEach((release) => release());
    await this.chain.catch(() => undefined);
    await this.unpacker.abandon?.();
  }

  async finish(config: Descriptor): Promise<void> {
    await this.chain;
    if (this.layers.length) await this.unpacker.finish(config, this.chains[this.chains.length - 1]);
  }
}

export async function pullImage(repo: RepositoryClient, content: ContentTarget, options: PullOptions): Promise<PulledImage> {
  const events = options.events ?? {};
  const name = formatReference(repo.ref);
  const source = { [`containerd.io/distribution.source.${repo.ref.domain}`]: repo.ref.path };
  const root = await resolveRoot(repo);
  events.resolved?.(name, root.desc);

  let manifestDesc = root.desc;
  let manifestData = root.data;
  let indexLabels: Record<string, string> | undefined;
  if (isIndex(root.desc.mediaType)) {
    const index = parseIndex(root.data, `image index ${name}`);
    manifestDesc = selectManifest(index, options.platform);
    manifestData = await fetchManifest(repo, manifestDesc);
    indexLabels = { ...source, [`containerd.io/gc.ref.content.m.${index.manifests.indexOf(manifestDesc)}`]: manifestDesc.digest };
  } else if (!isManifest(root.desc.mediaType)) {
    throw new RuntsError(`${name}: media type ${root.desc.mediaType} is neither a manifest nor an index`, 'unsupported');
  }
  const manifest: ImageManifest = parseManifest(manifestData, `image manifest ${manifestDesc.digest}`);
  const configData = await fetchConfig(repo, content, manifest.config, source);
  const config = parseConfig(configData, `image config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new RuntsError(`image manifest ${manifestDesc.digest} has ${manifest.layers.length} layers but its config lists ${diffIds.length} diff IDs`, 'invalid');
  }

  const pipeline = options.unpacker ? new UnpackPipeline(options.unpacker, manifest.layers, diffIds, events) : undefined;
  try {
    await bounded(manifest.layers, options.concurrency ?? DEFAULT_CONCURRENCY, async (layer, i) => {
      const writer = await content.writer(ingestRef(layer), layer);
      events.layer?.(layer, !writer);
      if (writer) await fetchBlob(repo, layer, writer, source, (n) => events.bytes?.(layer, n));
      else await content.label(layer.digest, source);
      events.downloaded?.(layer);
      pipeline?.downloaded(i);
    });
    await pipeline?.finish(manifest.config);
  } catch (err) {
    // A layer may be unpacking: let it end (and drop what was started ahead) before reporting.
    await pipeline?.abandon();
    throw err;
  }

  await storeDocument(content, manifestDesc, manifestData, {
    ...source,
    'containerd.io/gc.ref.content.config': manifest.config.digest,
    ...Object.fromEntries(manifest.layers.map((l, i) => [`containerd.io/gc.ref.content.l.${i}`, l.digest])),
  });
  if (indexLabels) await storeDocument(content, root.desc, root.data, indexLabels);
  return { name, target: root.desc, manifest: manifestDesc, config: manifest.config, layers: manifest.layers, diffIds };
}
