import { Injectable } from '@nestjs/common';

/** The one clock: commands get their time from here, so tests can move time without sleeping. */
@Injectable()
export class Clock {
  private offsetMs = 0;
  private fixed: number | null = null;

  now(): string {
    return new Date(this.fixed ?? Date.now() + this.offsetMs).toISOString();
  }

  /** For tests: pin the clock, or move it forward. */
  set(iso: string | null): void {
    this.fixed = iso === null ? null : Date.parse(iso);
  }

  advance(ms: number): void {
    if (this.fixed !== null) this.fixed += ms;
    else this.offsetMs += ms;
  }
}
