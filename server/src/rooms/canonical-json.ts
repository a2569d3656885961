/**
 * Canonical JSON: the shortest UTF-8 JSON with object keys sorted by Unicode code point, integers only.
 * Spec: appendices "Canonical JSON" (v1.19). Used for signing; never for whole responses.
 */
import { err, ok, type Result } from '../core/result.js';

const MAX_SAFE = 2 ** 53 - 1;

/** Compares by code point (JS `<` compares UTF-16 code units, which orders astral characters wrongly). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const diff = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function sortKeys(keys: string[]): string[] {
  // Fast path: plain ASCII/BMP keys order the same by code unit and by code point.
  const astral = keys.some((key) => /[\uD800-\uDFFF]/.test(key));
  return astral ? keys.sort(compareCodePoints) : keys.sort();
}

function encode(value: unknown, out: string[]): string | null {
  if (value === null) out.push('null');
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (typeof value === 'string') out.push(JSON.stringify(value));
  else if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SAFE) return `number out of range: ${value}`;
    out.push(Object.is(value, -0) ? '0' : String(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const problem = encode(value[i], out);
      if (problem) return problem;
    }
    out.push(']');
  } else if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = sortKeys(Object.keys(record).filter((key) => record[key] !== undefined));
    out.push('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      const problem = encode(record[key], out);
      if (problem) return problem;
    }
    out.push('}');
  } else return `value of type ${typeof value} cannot be encoded`;
  return null;
}

/** Encodes `value` as canonical JSON, or says why it can't be (floats, out-of-range integers). */
export function canonicalJson(value: unknown): Result<string> {
  const out: string[] = [];
  const problem = encode(value, out);
  return problem ? err(problem) : ok(out.join(''));
}
