/** An application/problem+json answer, as docs/api.md describes it. */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export function asProblem(error: unknown, response: Response): Problem {
  const p = (error && typeof error === 'object' ? error : {}) as Partial<Problem>;
  return { ...p, status: response.status };
}

/** A refusal in words an editor reads, not a status code. The server's own detail follows where it says more. */
export function explain(p: Problem, action = 'do this'): string {
  const detail = p.detail ? ` (${p.detail})` : '';
  switch (p.status) {
    case 400:
      return `The form has a problem: ${p.errors?.length ? p.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : p.detail ?? 'the service could not read it'}.`;
    case 401:
      return 'Your sign-in has ended. Please sign in again.';
    case 403:
      return p.code === 'FOUR_EYES'
        ? `You cannot approve this story: you made its latest change, and the four-eyes rule needs another person to approve it${detail}.`
        : `Your role does not allow you to ${action}${detail}.`;
    case 404:
      return 'This story does not exist (or no longer exists).';
    case 409:
      return `The newsroom's workflow does not allow this now${detail}.`;
    case 412:
      return 'Someone else changed this story after you opened it, so nothing was saved. Read what they changed before you go on.';
    case 428:
      return 'The desk did not say which version it read; reload the story and try again.';
    case 429:
      return 'Too many requests at once; wait a moment and try again.';
    case 503:
      return 'The service cannot reach its database right now; nothing was changed. Try again shortly.';
    default:
      return `The service refused (${p.status})${detail}.`;
  }
}
