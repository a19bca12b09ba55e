// containerd's filter syntax for List calls (its filters package): `name==x`, `labels."k"==v`,
// `~=` (regexp), `!=`, a bare field path meaning "present", `,` for AND within one filter string;
// several filter strings are OR-ed; no filter matches everything. A value may be quoted with `"`,
// or with `/` or `|`, which read well around regular expressions (`name~=/^a.b$/`).
import { invalid } from './errors';

type Operator = 'present' | '==' | '!=' | '~=';

interface Selector {
  fieldPath: string[];
  operator: Operator;
  value: string;
  pattern?: RegExp;
}

/** Returns a field's value, or undefined when the object does not have it. */
export type FieldLookup<T> = (item: T, fieldPath: string[]) => string | undefined;

export type Filter<T> = (item: T) => boolean;

export function parseFilters<T>(filters: string[], lookup: FieldLookup<T>): Filter<T> {
  const alternatives = filters.filter((f) => f.trim() !== '').map(parseFilter);
  if (alternatives.length === 0) return () => true;
  return (item) => alternatives.some((all) => all.every((s) => matches(s, item, lookup)));
}

/** containerd's selector rules: an absent field reads as "" for != and ~=. */
function matches<T>(s: Selector, item: T, lookup: FieldLookup<T>): boolean {
  const value = lookup(item, s.fieldPath);
  switch (s.operator) {
    case 'present': return value !== undefined;
    case '==': return value !== undefined && value === s.value;
    case '!=': return (value ?? '') !== s.value;
    case '~=': return s.pattern!.test(value ?? '');
  }
}

/** One filter string: selectors separated by ','. */
export function parseFilter(text: string): Selector[] {
  const scanner = new Scanner(text);
  const selectors: Selector[] = [];
  for (;;) {
    selectors.push(parseSelector(scanner));
    scanner.skipSpaces();
    if (scanner.done()) return selectors;
    scanner.expect(',');
  }
}

function parseSelector(s: Scanner): Selector {
  const fieldPath = [s.field()];
  while (s.peek() === '.') {
    s.next();
    fieldPath.push(s.field());
  }
  s.skipSpaces();
  const operator = s.operator();
  if (!operator) return { fieldPath, operator: 'present', value: '' };
  s.skipSpaces();
  const value = s.value();
  if (operator !== '~=') return { fieldPath, operator, value };
  try {
    return { fieldPath, operator, value, pattern: new RegExp(value) };
  } catch (err) {
    throw s.error(`"${value}" is not a valid regular expression`);
  }
}

class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  done() { return this.pos >= this.text.length; }
  peek() { return this.text[this.pos]; }
  next() { return this.text[this.pos++]; }

  skipSpaces() {
    while (!this.done() && /\s/.test(this.peek())) this.pos++;
  }

  expect(ch: string) {
    if (this.peek() !== ch) throw this.error(`expected "${ch}"`);
    this.pos++;
  }

  error(why: string) {
    return invalid(`filter "${this.text}" is invalid at position ${this.pos}: ${why}`);
  }

  field(): string {
    this.skipSpaces();
    if (this.peek() === '"') return this.quoted('"');
    const start = this.pos;
    while (!this.done() && /[A-Za-z0-9_\-/]/.test(this.peek())) this.pos++;
    if (start === this.pos) throw this.error('expected a field name');
    return this.text.slice(start, this.pos);
  }

  operator(): Operator | undefined {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '==' || two === '!=' || two === '~=') {
      this.pos += 2;
      return two;
    }
    if (!this.done() && this.peek() !== ',') throw this.error('expected ==, != or ~=');
    return undefined;
  }

  value(): string {
    if (this.peek() === '"') return this.quoted('"');
    if (this.peek() === '/' || this.peek() === '|') {
      const quoted = this.altQuoted(this.peek());
      if (quoted !== undefined) return quoted;
    }
    const start = this.pos;
    while (!this.done() && this.peek() !== ',') this.pos++;
    const value = this.text.slice(start, this.pos).trim();
    if (!value) throw this.error('expected a value');
    return value;
  }

  /**
   * A value between `/` or `|` quotes, or undefined (nothing consumed) when the value does not end
   * with its quote: then it is a plain value that happens to start with that character (a path).
   */
  private altQuoted(quote: string): string | undefined {
    const start = this.pos;
    try {
      const value = this.quoted(quote);
      this.skipSpaces();
      if (this.done() || this.peek() === ',') return value;
    } catch {
      // unterminated: a plain value
    }
    this.pos = start;
    return undefined;
  }

  /** A quoted string with backslash escapes, as Go's strconv.Unquote reads a double-quoted one. */
  private quoted(quote: string): string {
    this.expect(quote);
    let out = '';
    for (;;) {
      if (this.done()) throw this.error('unterminated quoted string');
      const ch = this.next();
      if (ch === quote) return out;
      if (ch === '\\') {
        if (this.done()) throw this.error('unterminated escape');
        const esc = this.next();
        out += ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[esc] ?? esc;
      } else {
        out += ch;
      }
    }
  }
}

/** Field lookup for `labels.<key>` paths, shared by every adaptor. */
export function labelField(labels: Record<string, string>, fieldPath: string[]): string | undefined {
  if (fieldPath[0] !== 'labels' || fieldPath.length < 2) return undefined;
  return labels[fieldPath.slice(1).join('.')];
}
