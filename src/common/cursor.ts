/** Opaque list cursors: a JSON value in base64url, checked on the way back in. */
export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor<T>(cursor: string, valid: (v: unknown) => v is T): T | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return valid(value) ? value : null;
  } catch {
    return null;
  }
}

/** A cursor this service did not give out: 400 BAD_CURSOR. */
export class BadCursor extends Error {}
