// Profiles given inline instead of by name: a JSON object (`{"type":"redis","port":6380}`) or a URL
// (`redis://127.0.0.1:6379/0`, `postgres://...`, `nats://...`, `sqlite:./queue.db`).
import { ConfigurationError } from '../core/errors.js';
import { redact } from './redact.js';
import { parseOptions } from '../core/validate.js';
import { profileEntrySchema, type ProfileEntry } from './schema.js';

export const INLINE_PROFILE_NAME = 'inline';

/** True when `text` is meant as an inline profile rather than a profile name. */
export function looksInline(text: string): boolean {
  return text.trimStart().startsWith('{') || /^(sqlite|postgres(ql)?|rediss?|nats|tls):/i.test(text);
}

export function parseInlineProfile(text: string): ProfileEntry {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      // The text is not echoed: half-parsed JSON cannot be redacted reliably.
      throw new ConfigurationError({ option: 'profile', expected: `a profile name, a URL, or a JSON object (the JSON is malformed: ${(err as Error).message.replace(/ in JSON at position.*$/, '')})` });
    }
    return parseOptions(profileEntrySchema, raw, `profiles.${INLINE_PROFILE_NAME}`) as ProfileEntry;
  }
  const scheme = trimmed.slice(0, trimmed.indexOf(':')).toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return { type: 'sqlite', path: trimmed.replace(/^sqlite:(\/\/)?/i, '') || 'sitq.db' };
    case 'postgres':
    case 'postgresql':
      parseUrl(trimmed, 'a valid postgres://user@host:port/database URL');
      return { type: 'postgres', connectionString: trimmed };
    case 'redis':
    case 'rediss':
      return redisFromUrl(trimmed);
    case 'nats':
    case 'tls': {
      const servers = trimmed.split(',');
      for (const server of servers) parseUrl(/^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`, 'valid nats://host:port server URLs, separated by commas');
      return { type: 'nats', servers };
    }
    default:
      throw new ConfigurationError({ option: 'profile', expected: 'a profile name, a JSON object, or a sqlite:, postgres://, redis:// or nats:// URL', given: redact(trimmed) });
  }
}

/** The URL, or a ConfigurationError: the drivers would only find out at connect time (a port
 *  over 65535, a broken host), and report it as an unreachable server. */
function parseUrl(text: string, expected: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigurationError({ option: 'profile', expected, given: redact(text) });
  }
}

function redisFromUrl(text: string): ProfileEntry {
  const url = parseUrl(text, 'a valid redis://host:port/db URL');
  const entry: ProfileEntry = { type: 'redis' };
  if (url.hostname) entry.host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.port) entry.port = Number(url.port);
  const db = url.pathname.replace(/^\//, '');
  if (db) {
    if (!/^\d+$/.test(db)) throw new ConfigurationError({ option: 'profile', expected: 'a database number after the port (redis://host:port/0)', given: db });
    entry.db = Number(db);
  }
  if (url.username) entry.username = decodeURIComponent(url.username);
  if (url.password) entry.password = decodeURIComponent(url.password);
  if (url.protocol === 'rediss:') entry.tls = true;
  return entry;
}
