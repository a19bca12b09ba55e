// The image a container starts from: its runtsd record, the config for this platform, and the
// chain ID of its top layer (the committed snapshot a container's rootfs is prepared on).
import { Client, hasCode } from '../../client/client';
import { ContentAccess } from '../../client/documents';
import { chainIds } from '../../image/chain';
import { normalizeImageName } from '../../image/reference';
import { ImageConfig, parseConfig, parseIndex, parseManifest, selectManifest } from '../../image/documents';
import { isIndex } from '../../image/media-types';
import { hostPlatform } from '../../image/platform';
import { RuntsError } from '../../foundation/errors';

export interface ResolvedImage {
  name: string;
  config: ImageConfig;
  topChainId: string;
}

export async function resolveImage(client: Client, reference: string): Promise<ResolvedImage> {
  const name = normalizeImageName(reference);
  let image;
  try {
    ({ image } = await client.unary('images', 'Get', { name }));
  } catch (err) {
    // `runtsctl pull` fetches images; until then they come from `runtsctl images import`.
    if (hasCode(err, 'NOT_FOUND')) throw new RuntsError(`Unable to find image '${name}' locally: image not found (import it with runtsctl images import)`, 'not-found');
    throw err;
  }
  const content = new ContentAccess(client);
  let manifest = { digest: image.target.digest as string, mediaType: image.target.media_type as string };
  if (isIndex(manifest.mediaType)) manifest = selectManifest(parseIndex(await content.read(manifest.digest)), hostPlatform());
  const m = parseManifest(await content.read(manifest.digest), `image manifest ${manifest.digest}`);
  const config = parseConfig(await content.read(m.config.digest), `image config ${m.config.digest}`);
  const chain = chainIds(config.rootfs.diff_ids);
  return { name, config, topChainId: chain[chain.length - 1] ?? '' };
}
