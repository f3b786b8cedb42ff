import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** What an attempt came to: delivered, or the reason it was not (kept on the delivery, shown to admins). */
export type AttemptResult = { ok: true } | { ok: false; error: string };

/**
 * The headers of one attempt, signed per Standard Webhooks: `webhook-id` (the same on every attempt: the receiver's
 * de-duplication key), `webhook-timestamp` (this attempt's time in seconds: receivers refuse old ones, which stops a
 * replay) and `webhook-signature` (HMAC-SHA256 of id, timestamp and body, by the standardwebhooks library).
 */
export function signedHeaders(secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}

/** One POST of a delivery; 2xx is delivered, anything else (an answer, a refused connection, the time limit) is not. */
export async function postWebhook(
  url: string,
  secret: string,
  message: { id: string; eventType: string; body: string },
  at: Date,
  timeoutMs: number,
): Promise<AttemptResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'masthead-event': message.eventType, ...signedHeaders(secret, message.id, at, message.body) },
      body: message.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not needed; reading it frees the connection for the next attempt.
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, error: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}
