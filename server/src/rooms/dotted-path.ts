/**
 * Dot-separated property paths (spec appendices "Dot-separated property paths", v1.19): `content.body`,
 * with `\.` for a literal dot and `\\` for a literal backslash inside a name; other escapes stay as written.
 */
export function splitDottedPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    const next = path[i + 1];
    if (char === '\\' && (next === '.' || next === '\\')) {
      current += next;
      i++;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/**
 * A copy of `event` holding only the properties at the given paths (a filter's `event_fields`).
 * Paths that don't resolve are skipped; a path ending at an object keeps the whole object.
 */
export function keepOnlyFields(event: Readonly<Record<string, unknown>>, paths: readonly (readonly string[])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    let value: unknown = event;
    for (const key of path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) {
        value = undefined;
        break;
      }
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || path.length === 0) continue;
    let target = out;
    for (const key of path.slice(0, -1)) {
      const existing = target[key];
      target = (target[key] = typeof existing === 'object' && existing !== null ? existing : {}) as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return out;
}
