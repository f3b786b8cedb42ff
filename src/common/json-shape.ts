/**
 * Limits on the shape of a JSON body, checked right after JSON.parse and before anything else reads it: class-transformer
 * and class-validator spend time that grows with the square of the keys in an object (a 1 MiB body of 131,000 short
 * keys held the event loop for ~12 s), so such a body must never reach them. No request the API accepts comes near
 * these figures: the largest is an article of 2,000 blocks (about 6,000 members, depth 3, objects of at most 7 keys).
 */
export const JSON_LIMITS = {
  /** Keys in one object. */
  keysPerObject: 64,
  /** Object keys and array elements in the whole body. */
  members: 10_000,
  /** Nesting of objects and arrays. */
  depth: 32,
} as const;

/**
 * Keys that name a property every object inherits: never a field of this API. `__proto__` is prototype pollution
 * waiting to happen, and class-transformer silently drops `constructor`; each is refused as an unknown field instead.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type ShapeViolation = { kind: 'limit'; detail: string } | { kind: 'forbidden-key'; field: string };

const fieldOf = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The first way `value` breaks the limits, or undefined. Iterative (a deeply nested body cannot overflow the stack)
 * and it stops at the first violation, so its cost is bounded by the limits, not by the body.
 */
export function checkJsonShape(value: unknown, limits = JSON_LIMITS): ShapeViolation | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  let members = 0;
  while (stack.length) {
    const { value: node, path, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limits.depth) return { kind: 'limit', detail: `the body is nested more than ${limits.depth} levels deep` };
    if (Array.isArray(node)) {
      members += node.length;
      if (members > limits.members) return { kind: 'limit', detail: `the body has more than ${limits.members} keys and array elements` };
      for (let i = node.length - 1; i >= 0; i--) stack.push({ value: node[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(node);
    if (keys.length > limits.keysPerObject) {
      return { kind: 'limit', detail: `${path || 'the body'} has more than ${limits.keysPerObject} keys` };
    }
    members += keys.length;
    if (members > limits.members) return { kind: 'limit', detail: `the body has more than ${limits.members} keys and array elements` };
    for (const key of keys) if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden-key', field: fieldOf(path, key) };
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (node as Record<string, unknown>)[keys[i]], path: fieldOf(path, keys[i]), depth: depth + 1 });
  }
  return undefined;
}
