import { labelField, parseFilter, parseFilters } from '../../../src/foundation/filters';

interface Item { name: string; labels: Record<string, string> }
const lookup = (i: Item, p: string[]) => (p[0] === 'name' ? i.name : labelField(i.labels, p));
const items: Item[] = [
  { name: 'docker.io/library/busybox:latest', labels: { 'a.b': 'x', env: 'prod' } },
  { name: 'example.com/app:1', labels: { env: 'dev' } },
  { name: 'example.com/app:2', labels: {} },
];
const names = (...filters: string[]) => items.filter(parseFilters(filters, lookup)).map((i) => i.name);

test('no filter matches everything', () => {
  expect(names()).toHaveLength(3);
  expect(names('')).toHaveLength(3);
});

test('equality, inequality, regexp and presence', () => {
  expect(names('name==example.com/app:1')).toEqual(['example.com/app:1']);
  expect(names('labels.env!=prod')).toEqual(['example.com/app:1', 'example.com/app:2']);
  expect(names('name~=app:[12]$')).toEqual(['example.com/app:1', 'example.com/app:2']);
  expect(names('labels.env')).toEqual(['docker.io/library/busybox:latest', 'example.com/app:1']);
});

test('quoted label keys with dots, and quoted values', () => {
  expect(names('labels."a.b"==x')).toEqual(['docker.io/library/busybox:latest']);
  expect(names('labels."a.b"=="x"')).toEqual(['docker.io/library/busybox:latest']);
  expect(names('labels.a.b==x')).toEqual(['docker.io/library/busybox:latest']);
});

test('an absent field reads as "" for != and ~=, as in containerd', () => {
  expect(names('labels.env!=prod')).toEqual(['example.com/app:1', 'example.com/app:2']);
  expect(names('labels.env!=""')).toEqual(['docker.io/library/busybox:latest', 'example.com/app:1']);
  expect(names('labels.env~=^$')).toEqual(['example.com/app:2']);
  expect(names('labels.nothing')).toEqual([]);
});

test('a value quoted with / or |, for regular expressions; a plain value may still start with /', () => {
  expect(names('name~=/app:1$/')).toEqual(['example.com/app:1']);
  expect(names('name~=|^docker\\.io/|')).toEqual(['docker.io/library/busybox:latest']);
  expect(names('name~=/^example\\.com\\/app:[12]$/ ,labels.env')).toEqual(['example.com/app:1']);
  expect(names('name~=/busybox|app:1/')).toEqual(['docker.io/library/busybox:latest', 'example.com/app:1']);
  expect(names('name~=/x,y/,labels.env')).toEqual([]);
  expect(parseFilter('labels.path==/var/lib')[0].value).toBe('/var/lib');
  expect(parseFilter('labels.path==/var/lib/,name')[0].value).toBe('/var/lib/');
  expect(parseFilter('labels.path==/unterminated')[0].value).toBe('/unterminated');
});

test('field names may hold "-" and "/"', () => {
  expect(parseFilter('labels.containerd.io/gc-root==x')[0].fieldPath).toEqual(['labels', 'containerd', 'io/gc-root']);
});

test('comma is AND, separate filters are OR', () => {
  expect(names('labels.env,name~=example')).toEqual(['example.com/app:1']);
  expect(names('labels.env==prod', 'name==example.com/app:2')).toEqual(['docker.io/library/busybox:latest', 'example.com/app:2']);
});

test('syntax errors name the filter and the position', () => {
  expect(() => parseFilter('name==')).toThrow(/filter "name==" is invalid at position 6: expected a value/);
  expect(() => parseFilter('name=x')).toThrow(/expected ==, != or ~=/);
  expect(() => parseFilter('labels."open')).toThrow(/unterminated quoted string/);
  expect(() => parseFilter('name~=(')).toThrow(/not a valid regular expression/);
  expect(() => parseFilter(',name')).toThrow(/expected a field name/);
});
