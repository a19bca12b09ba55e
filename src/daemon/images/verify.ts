// Before an image name points at content, check that the content is there and sound: the
// target blob with its declared size, and for a manifest its config and every layer. A broken
// import then fails at Images.Create with one clear status, and its lease's end lets garbage
// collection drop the partial content.
import * as fs from 'fs';
import { RuntsError } from '../../foundation/errors';
import { DescriptorRecord, Tables } from '../../metadata/store';
import { hasContent, getContent } from '../../metadata/content';
import { ContentStore } from '../../content/store';
import { isIndex, isManifest } from '../../image/media-types';
import { Descriptor, parseIndex, parseManifest } from '../../image/documents';

function requirePresent(t: Tables, ns: string, image: string, what: string, d: { digest: string; size: number }): void {
  if (!hasContent(t, ns, d.digest)) {
    throw new RuntsError(`image "${image}": ${what} ${d.digest} is not in the content store of namespace "${ns}"`, 'state');
  }
  const size = getContent(t, ns, d.digest).size;
  if (size !== d.size) {
    throw new RuntsError(`image "${image}": ${what} ${d.digest} declares size ${d.size} but the stored blob has ${size} bytes`, 'state');
  }
}

export function verifyImageTarget(t: Tables, content: ContentStore, ns: string, image: string, target: DescriptorRecord): void {
  requirePresent(t, ns, image, 'target', target);
  if (!isIndex(target.mediaType) && !isManifest(target.mediaType)) return;
  const data = fs.readFileSync(content.blobPath(target.digest));
  const what = `image "${image}": ${isIndex(target.mediaType) ? 'index' : 'manifest'} ${target.digest}`;
  if (isIndex(target.mediaType)) {
    parseIndex(data, what);
    return;
  }
  const manifest = parseManifest(data, what);
  requirePresent(t, ns, image, 'config', manifest.config);
  manifest.layers.forEach((layer: Descriptor, i: number) => requirePresent(t, ns, image, `layer ${i}`, layer));
}
