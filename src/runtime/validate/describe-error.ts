// Turns ajv's error list into the single most useful Violation, in plain English.
// ajv reports the failing keyword of each branch of an anyOf/oneOf/if plus the wrapper
// itself; the wrapper says nothing useful, so the deepest concrete error wins.
import type { ErrorObject } from 'ajv';
import { Violation, violation } from './pointer';

const WRAPPER_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not', 'propertyNames']);

export function describeErrors(errors: ErrorObject[]): Violation {
  if (errors.length === 0) return violation('', 'is invalid');
  const concrete = errors.filter((e) => !WRAPPER_KEYWORDS.has(e.keyword));
  if (concrete.length === 0) return violation(errors[0].instancePath, errors[0].message ?? 'is invalid');
  const deepest = concrete.reduce((best, e) => (depth(e.instancePath) > depth(best.instancePath) ? e : best));
  const alternatives = requiredAlternatives(errors, deepest);
  if (alternatives) return violation(deepest.instancePath, alternatives);
  const rule = describe(deepest);
  if (deepest.propertyName !== undefined) {
    return violation(deepest.instancePath, `property name ${JSON.stringify(deepest.propertyName)} ${rule}`);
  }
  return violation(deepest.instancePath, rule);
}

function depth(instancePath: string): number {
  return instancePath === '' ? 0 : instancePath.split('/').length;
}

/** anyOf [{required: [a]}, {required: [b]}] failing as a whole: "must have property 'a' or 'b'". */
function requiredAlternatives(errors: ErrorObject[], chosen: ErrorObject): string | undefined {
  if (chosen.keyword !== 'required') return undefined;
  const at = chosen.instancePath;
  if (!errors.some((e) => e.keyword === 'anyOf' && e.instancePath === at)) return undefined;
  const missing = errors
    .filter((e) => e.keyword === 'required' && e.instancePath === at)
    .map((e) => `'${(e.params as { missingProperty: string }).missingProperty}'`);
  return missing.length > 1 ? `must have property ${missing.join(' or ')}` : undefined;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `must be ${typeNames(p.type)}`;
    case 'required':
      return `must have required property '${p.missingProperty}'`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `must match the pattern ${p.pattern}`;
    case 'minimum':
      return `must be at least ${exactNumber(p.limit as number)}`;
    case 'maximum':
      return `must be at most ${exactNumber(p.limit as number)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${exactNumber(p.limit as number)}`;
    case 'exclusiveMaximum':
      return `must be less than ${exactNumber(p.limit as number)}`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must have at least ${p.limit} items`;
    case 'maxItems':
      return `must have at most ${p.limit} items`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`;
    case 'maxLength':
      return `must be at most ${p.limit} characters long`;
    case 'additionalProperties':
      return `unknown property '${p.additionalProperty}'`;
    case 'dependencies':
      return `must have property '${p.missingProperty}' when '${p.property}' is present`;
    case 'uniqueItems':
      return `must not contain duplicates (items ${p.j} and ${p.i} are equal)`;
    default:
      return e.message ?? `is invalid (${e.keyword})`;
  }
}

function typeNames(type: unknown): string {
  const names = Array.isArray(type) ? type : String(type).split(',');
  return names.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(' or ');
}

// JSON numbers are doubles, so the int64/uint64 bounds in the schemas arrive rounded; print
// the exact integers a reader would recognise.
const EXACT_BOUNDS = new Map<number, string>([
  [2 ** 64, '18446744073709551615'],
  [2 ** 63, '9223372036854775807'],
  [-(2 ** 63), '-9223372036854775808'],
]);

function exactNumber(n: number): string {
  return EXACT_BOUNDS.get(n) ?? String(n);
}
