/**
 * Event schema versions and upcasters. Stored rows are never rewritten (that would break the hash chain):
 * an event written under an old schema version is brought to the current shape when it is read.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

interface Schema {
  current: number;
  /** upcasters[n] turns data of version n into version n + 1. */
  upcasters: Record<number, Upcaster>;
}

export class EventSchemas {
  private readonly schemas = new Map<string, Schema>();

  register(type: string, current: number, upcasters: Record<number, Upcaster> = {}): this {
    for (let v = 1; v < current; v++) {
      if (!upcasters[v]) throw new Error(`${type}: no upcaster from schema version ${v} to ${v + 1}`);
    }
    this.schemas.set(type, { current, upcasters });
    return this;
  }

  currentVersion(type: string): number {
    return this.schemas.get(type)?.current ?? 1;
  }

  upcast(type: string, version: number, data: Record<string, unknown>): { version: number; data: Record<string, unknown> } {
    const schema = this.schemas.get(type);
    if (!schema) return { version, data };
    let current = data;
    let v = version;
    for (; v < schema.current; v++) current = schema.upcasters[v](current);
    return { version: v, data: current };
  }
}
