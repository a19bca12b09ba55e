// JSON Pointers (RFC 6901) name the offending field in every validation message.

/** Builds a pointer from path segments, escaping ~ and / inside keys. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** A validation failure: where (a JSON Pointer, '' for the whole document) and which rule. */
export interface Violation {
  at: string;
  rule: string;
}

export function violation(at: string, rule: string): Violation {
  return { at, rule };
}

/** The one-line message: `config.json: /process/args: must be an array`. */
export function formatViolation(source: string, v: Violation): string {
  return v.at ? `${source}: ${v.at}: ${v.rule}` : `${source}: ${v.rule}`;
}
