// The subset of TOML a daemon config uses (containerd's config.toml style): comments,
// [table] and [dotted.table] headers, bare or quoted keys (dotted too), and values that are
// strings (basic and literal), integers, floats, booleans or single-line arrays of those.
// Anything else is refused with the line number, never guessed.
import { invalid } from '../runtime/errors';

type Value = string | number | boolean | Value[] | Table;
export interface Table { [key: string]: Value }

class LineScanner {
  pos = 0;
  constructor(readonly text: string, readonly file: string, readonly line: number) {}

  error(why: string) {
    return invalid(`config ${this.file}, line ${this.line}: ${why}`);
  }

  skipSpaces() {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  atEnd() {
    this.skipSpaces();
    return this.pos >= this.text.length || this.text[this.pos] === '#';
  }

  expect(ch: string) {
    this.skipSpaces();
    if (this.text[this.pos] !== ch) throw this.error(`expected "${ch}"`);
    this.pos++;
  }

  key(): string[] {
    const parts = [this.keyPart()];
    for (;;) {
      this.skipSpaces();
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
      parts.push(this.keyPart());
    }
  }

  private keyPart(): string {
    this.skipSpaces();
    const ch = this.text[this.pos];
    if (ch === '"') return this.basicString();
    if (ch === "'") return this.literalString();
    const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos));
    if (!m) throw this.error('expected a key');
    this.pos += m[0].length;
    return m[0];
  }

  value(): Value {
    this.skipSpaces();
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('"""') || rest.startsWith("'''")) throw this.error('multi-line strings are not supported');
    if (rest[0] === '"') return this.basicString();
    if (rest[0] === "'") return this.literalString();
    if (rest[0] === '[') return this.array();
    if (rest[0] === '{') throw this.error('inline tables are not supported; use a [table] header');
    const m = /^(true|false|[+-]?(?:0|[1-9][0-9_]*)(?:\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?)(?=\s|#|,|\]|$)/.exec(rest);
    if (!m) throw this.error(`unsupported value "${rest.trim()}"`);
    this.pos += m[1].length;
    if (m[1] === 'true' || m[1] === 'false') return m[1] === 'true';
    return Number(m[1].replace(/_/g, ''));
  }

  private array(): Value[] {
    this.expect('[');
    const items: Value[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.text[this.pos] === ']') { this.pos++; return items; }
      if (this.pos >= this.text.length) throw this.error('arrays must close on the same line');
      items.push(this.value());
      this.skipSpaces();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') throw this.error('expected "," or "]" in array');
    }
  }

  private basicString(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) throw this.error('unterminated string');
      const ch = this.text[this.pos++];
      if (ch === '"') return out;
      if (ch !== '\\') { out += ch; continue; }
      const esc = this.text[this.pos++];
      const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
      if (esc in simple) out += simple[esc];
      else if (esc === 'u' || esc === 'U') {
        const len = esc === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw this.error('bad unicode escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += len;
      } else throw this.error(`unknown escape "\\${esc ?? ''}"`);
    }
  }

  private literalString(): string {
    const end = this.text.indexOf("'", this.pos + 1);
    if (end < 0) throw this.error('unterminated string');
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }
}

function descend(root: Table, path: string[], sc: LineScanner): Table {
  let table = root;
  for (const part of path) {
    const next = table[part] ?? (table[part] = {});
    if (typeof next !== 'object' || Array.isArray(next)) throw sc.error(`"${path.join('.')}" is not a table`);
    table = next;
  }
  return table;
}

export function parseToml(text: string, file: string): Table {
  const root: Table = {};
  let current = root;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const sc = new LineScanner(raw, file, i + 1);
    if (sc.atEnd()) return;
    if (raw.trimStart().startsWith('[[')) throw sc.error('arrays of tables are not supported');
    if (raw.trimStart().startsWith('[')) {
      sc.expect('[');
      current = descend(root, sc.key(), sc);
      sc.expect(']');
    } else {
      const key = sc.key();
      sc.expect('=');
      const value = sc.value();
      const table = descend(current, key.slice(0, -1), sc);
      const last = key[key.length - 1];
      if (last in table) throw sc.error(`key "${key.join('.')}" is defined twice`);
      table[last] = value;
    }
    if (!sc.atEnd()) throw sc.error('unexpected text after the value');
  });
  return root;
}
