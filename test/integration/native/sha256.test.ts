import { createHash } from 'crypto';
import { sha256Hex } from '../../../src/native';

describe('native.sha256Hex (the launcher\'s digest, for a shim\'s socket address)', () => {
  it('gives the standard test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('equals Node\'s digest of the UTF-8 bytes around every block boundary', () => {
    for (let length = 0; length <= 200; length++) {
      for (const unit of ['a', 'é', '😀']) {
        const text = unit.repeat(length);
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }
    }
  });
});
