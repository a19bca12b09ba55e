import { formatReference, manifestRef, normalizeImageName, parseReference } from '../../../src/image/reference';

const D = `sha256:${'a'.repeat(64)}`;

test.each([
  ['busybox', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['user/app', 'docker.io/user/app:latest'],
  ['index.docker.io/library/alpine:3', 'docker.io/library/alpine:3'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
  ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t'],
  ['[::1]:5000/app', '[::1]:5000/app:latest'],
  ['quay.io/org/app', 'quay.io/org/app:latest'],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`],
  [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`],
])('%s normalises to %s', (input, normal) => {
  expect(formatReference(parseReference(input))).toBe(normal);
});

test('the manifest is asked for by digest when pinned, else by tag', () => {
  expect(manifestRef(parseReference(`a:1@${D}`))).toBe(D);
  expect(manifestRef(parseReference('a:1'))).toBe('1');
  expect(parseReference('127.0.0.1:5000/x/y:z')).toEqual({ domain: '127.0.0.1:5000', path: 'x/y', tag: 'z' });
});

test.each([
  ['', /it is empty/],
  ['Busybox', /path component "Busybox"/],
  ['busybox@sha256:abc', /digest "sha256:abc"/],
  ['busybox:bad/tag', /registry host "busybox:bad" is not a host name/],
  ['a:-x', /tag "-x"/],
  [`host.io/${'a'.repeat(300)}`, /longer than 255/],
])('"%s" is refused', (input, why) => {
  expect(() => parseReference(input)).toThrow(why);
});

test.each([
  ['busybox', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['team/tool', 'docker.io/team/tool:latest'],
  ['example.com/a/b:2', 'example.com/a/b:2'],
  ['localhost/x', 'localhost/x:latest'],
  ['localhost:5000/x:y', 'localhost:5000/x:y'],
  [`alpine@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine@sha256:${'a'.repeat(64)}`],
])('%s is stored as %s', (name, full) => {
  expect(normalizeImageName(name)).toBe(full);
});

test('an invalid name is refused with its name', () => {
  expect(() => normalizeImageName('Upper/Case')).toThrow('image reference "Upper/Case" is invalid: path component "Upper" must be lowercase letters, digits and separators');
  expect(() => normalizeImageName('a b')).toThrow(/image reference "a b" is invalid/);
});
