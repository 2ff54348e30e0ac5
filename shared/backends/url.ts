// Parsing an inline profile's URL, for the registrations' parseUrl.
import { redact } from '../config/redact.js';
import { ConfigurationError } from '../core/errors.js';

/** The URL, or a ConfigurationError: the drivers would only find out at connect time (a port
 *  over 65535, a broken host), and report it as an unreachable server. */
export function parseProfileUrl(text: string, expected: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigurationError({ option: 'profile', expected, given: redact(text) });
  }
}
