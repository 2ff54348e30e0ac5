// Profiles given inline instead of by name: a JSON object (`{"type":"redis","port":6380}`) or a URL
// whose scheme names a backend (`redis://127.0.0.1:6379/0`, `postgres://...`, `nats://...`,
// `sqlite:./queue.db`); each backend's registration says which schemes are its and parses them.
import { registrations } from '../backends/index.js';
import { ConfigurationError } from '../core/errors.js';
import { redact } from './redact.js';
import { parseOptions } from '../core/validate.js';
import { profileEntrySchema, type ProfileEntry } from './schema.js';

export const INLINE_PROFILE_NAME = 'inline';

function schemeOf(text: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(text.trim());
  return match ? match[1].toLowerCase() : '';
}

function registrationForScheme(scheme: string) {
  return registrations().find((r) => r.urlSchemes.includes(scheme));
}

/** True when `text` is meant as an inline profile rather than a profile name. */
export function looksInline(text: string): boolean {
  return text.trimStart().startsWith('{') || registrationForScheme(schemeOf(text)) !== undefined;
}

export function parseInlineProfile(text: string): ProfileEntry {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      // The text is not echoed: half-parsed JSON cannot be redacted reliably.
      throw new ConfigurationError({
        option: 'profile',
        expected: `a profile name, a URL, or a JSON object (the JSON is malformed: ${(err as Error).message.replace(/ in JSON at position.*$/, '')})`,
      });
    }
    return parseOptions(profileEntrySchema, raw, `profiles.${INLINE_PROFILE_NAME}`) as ProfileEntry;
  }
  const registration = registrationForScheme(schemeOf(trimmed));
  if (!registration) {
    const schemes = registrations().flatMap((r) => r.urlSchemes.slice(0, 1).map((s) => `${s}:`));
    throw new ConfigurationError({
      option: 'profile',
      expected: `a profile name, a JSON object, or a URL starting with one of ${schemes.join(', ')}`,
      given: redact(trimmed),
    });
  }
  return { type: registration.descriptor.kind, ...registration.parseUrl(trimmed) };
}
