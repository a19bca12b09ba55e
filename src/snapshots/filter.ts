// containerd's filter syntax for listing snapshots: each filter is a comma-separated list of
// clauses that must all hold ("name==foo,labels.\"a.b\"~=^x"); a snapshot matches when any
// filter matches. Fields: name, parent, kind, labels.<key>; operators ==, !=, ~= (regexp), or
// a bare field path meaning "present".

import { invalid } from '../foundation/errors';
import { SnapshotInfo } from './types';

interface Clause {
  field: string[];
  operator?: '==' | '!=' | '~=';
  value?: string;
  pattern?: RegExp;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && i + 1 < text.length) {
        current += c + text[++i];
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === '"') {
      quote = c;
    } else if (c === separator) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

/** containerd quotes with ", / or | (the last two read well around regular expressions). */
function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && ['"', '/', '|'].includes(t[0]) && t.endsWith(t[0])) {
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return t;
}

function parseClause(text: string, filter: string): Clause {
  const match = /^\s*((?:[A-Za-z0-9_]+|"(?:[^"\\]|\\.)*")(?:\.(?:[A-Za-z0-9_\-/]+|"(?:[^"\\]|\\.)*"))*)\s*(?:(==|!=|~=)(.*))?$/.exec(text);
  if (!match) throw invalid(`invalid filter ${JSON.stringify(filter)}: cannot parse ${JSON.stringify(text)}`);
  const field = splitOutsideQuotes(match[1], '.').map((part) => (part.startsWith('"') ? unquote(part) : part));
  const clause: Clause = { field };
  if (match[2]) {
    clause.operator = match[2] as Clause['operator'];
    clause.value = unquote(match[3]);
    if (clause.operator === '~=') {
      try {
        clause.pattern = new RegExp(clause.value);
      } catch {
        throw invalid(`invalid filter ${JSON.stringify(filter)}: bad regular expression ${JSON.stringify(clause.value)}`);
      }
    }
  }
  return clause;
}

function fieldValue(info: SnapshotInfo, field: string[]): string | undefined {
  switch (field[0]) {
    case 'name':
      return field.length === 1 ? info.name : undefined;
    case 'parent':
      return field.length === 1 ? info.parent : undefined;
    case 'kind':
      return field.length === 1 ? info.kind : undefined;
    case 'labels':
      return field.length > 1 ? info.labels[field.slice(1).join('.')] : undefined;
    default:
      return undefined;
  }
}

/** containerd's selector rules: an absent field reads as "" for != and ~=. */
function matches(info: SnapshotInfo, clause: Clause): boolean {
  const value = fieldValue(info, clause.field);
  switch (clause.operator) {
    case undefined:
      return value !== undefined;
    case '==':
      return value === clause.value;
    case '!=':
      return (value ?? '') !== clause.value;
    case '~=':
      return clause.pattern!.test(value ?? '');
  }
}

/** A predicate for the given filters (any of them); throws one clear error on a bad filter. */
export function snapshotFilter(filters: string[] | undefined): (info: SnapshotInfo) => boolean {
  const parsed = (filters ?? []).filter((f) => f.trim() !== '').map((f) => splitOutsideQuotes(f, ',').map((c) => parseClause(c, f)));
  if (parsed.length === 0) return () => true;
  return (info) => parsed.some((clauses) => clauses.every((clause) => matches(info, clause)));
}
