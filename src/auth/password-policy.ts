import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** bcrypt reads the first 72 bytes and ignores the rest: two passwords that share them would both sign in. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;
/** zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses and beyond), 4 "very unguessable". */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/**
 * zxcvbn-ts with its common and English dictionaries (about 30,000 passwords, names, words): loaded on first use, not
 * at start (it takes a few hundred milliseconds), and only the admin API, the CLI and the first start use it.
 */
function strength(): ZxcvbnFactory {
  if (!estimator) {
    const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    estimator = new ZxcvbnFactory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...en.dictionary },
    });
  }
  return estimator;
}

/**
 * Why `password` may not be used (for the user `username`), or undefined when it may. The length in bytes is checked
 * first, so the estimator (whose cost grows with the length) never sees more than 72 bytes.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > MAX_PASSWORD_BYTES) {
    return `password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (this one is ${bytes}): bcrypt ignores the rest`;
  }
  const { score, feedback } = strength().check(password, [username, 'masthead', 'newsroom']);
  if (score >= MIN_PASSWORD_SCORE) return undefined;
  const reasons = [feedback.warning, ...feedback.suggestions].filter((s): s is string => !!s);
  return `password is too easy to guess (strength ${score} of 4, at least ${MIN_PASSWORD_SCORE} needed)${reasons.length ? `: ${reasons.join(' ')}` : ''}`;
}
