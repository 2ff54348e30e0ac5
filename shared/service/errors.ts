// How a failure inside the service reaches the UI: a small JSON payload with the class name, the
// message (scrubbed of known secrets) and, for configuration problems, one issue per option.
import { ConfigurationError, SitqError, describeValue } from '../core/errors.js';
import { scrub } from '../config/redact.js';
import type { ErrorPayload } from '../protocol/messages.js';

/** The thing asked for does not exist (a profile, a worker, a benchmark run). */
export class NotFoundError extends SitqError {
  constructor(what: string, name: string) {
    super(`${what} "${name}" was not found`);
  }
}

/** The request is valid but cannot be done now (e.g. a benchmark is already running). */
export class ConflictError extends SitqError {}

export function toErrorPayload(err: unknown, secrets: Iterable<string> = []): ErrorPayload {
  const list = [...secrets];
  const error = err instanceof Error ? err : new Error(String(err));
  const payload: ErrorPayload = { name: error.name, message: scrub(error.message, list) };
  if (err instanceof ConfigurationError) {
    payload.issues = err.issues.map((issue) => {
      const out: { option: string; expected: string; given?: string } = { option: issue.option, expected: scrub(issue.expected, list) };
      if ('given' in issue) out.given = scrub(describeValue(issue.given), list);
      return out;
    });
  }
  return payload;
}
