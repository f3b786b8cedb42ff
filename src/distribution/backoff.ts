/**
 * When a failed delivery is tried again: exponential back-off with "equal jitter" (half the delay fixed, half random),
 * so many partners failing at once do not all come back in step. Pure: the random number comes in.
 */
export function retryDelayMs(failures: number, policy: { baseMs: number; maxMs: number }, random: () => number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}
