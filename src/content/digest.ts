import { createHash, Hash } from 'crypto';
import { invalid } from '../foundation/errors';

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a sha256 digest, or an invalid-argument error naming the bad digest. */
export function digestHex(digest: string): string {
  const m = SHA256_DIGEST.exec(digest);
  if (!m) throw invalid(`digest "${digest}" is invalid: expected sha256: followed by 64 lowercase hex digits`);
  return m[1];
}

export const newHash = (): Hash => createHash('sha256');
export const hashDigest = (hash: Hash) => `sha256:${hash.copy().digest('hex')}`;
export const sha256Of = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
