// Keeping secrets out of what people see: connection strings shown without their password,
// profiles shown with secret fields masked, and any known secret value scrubbed from text.
import { isSecretKey } from '../core/validate.js';
import { isReference } from './references.js';

export const MASK = '***';

// scheme://user:password@  (the password may be empty); a `${NAME}` reference is not a secret.
// The password runs to the LAST `@` before any `?`/`#`: a password typed with an unencoded `@`
// (or `/`, `:`) is masked whole, never up to its first `@` (masking too much is the safe error).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*):([^\s?#]*)@/gi;
// NATS also takes a bare token as the user part: nats://TOKEN@host.
const URL_TOKEN = /\b((?:nats|tls|wss?):\/\/)([^\s:@/?#]+)@/gi;
const QUERY_SECRET = /([?&;](?:password|pass|pwd|token|secret|auth|sslpassword|access_token)=)([^&#\s]*)/gi;
// libpq keyword/value strings: "host=db password=secret" or password='a b'.
const KEYWORD_SECRET = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)/gi;

const keep = (value: string, masked: string) => (isReference(value) ? value : masked);

/** A connection string with its password (and tokens) replaced by `***`; `${NAME}` references are
 *  kept, since they are names, not secrets. Anything that is not a connection string comes back as is. */
export function redact(connectionString: string): string {
  return connectionString
    .replace(URL_PASSWORD, (_m, scheme: string, user: string, pw: string) => `${scheme}${user}:${pw === '' ? '' : keep(pw, MASK)}@`)
    .replace(URL_TOKEN, (_m, scheme: string, user: string) => `${scheme}${keep(user, MASK)}@`)
    .replace(QUERY_SECRET, (_m, key: string, v: string) => `${key}${v === '' ? '' : keep(decodeSafe(v), MASK)}`)
    .replace(KEYWORD_SECRET, (_m, key: string) => `${key}${MASK}`);
}

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Field names whose values are secrets: the core's list plus private keys in TLS options. */
export function isSecretField(path: readonly string[]): boolean {
  const key = path[path.length - 1] ?? '';
  if (isSecretKey(key)) return true;
  const parent = path[path.length - 2] ?? '';
  return (parent === 'tls' || parent === 'ssl') && (key === 'key' || key === 'pfx');
}

/** A deep copy with secret fields masked and every string's embedded passwords redacted. */
export function redactValue<T>(value: T, path: readonly string[] = []): T {
  if (typeof value === 'string') {
    if (isSecretField(path)) return (value === '' ? value : keep(value, MASK)) as T;
    return redact(value) as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...path, String(i)])) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = isSecretField([...path, k]) && typeof v !== 'string' && v !== undefined ? MASK : redactValue(v, [...path, k]);
    return out as T;
  }
  return value;
}

/**
 * Removes known secret values from text (the last line of defence: driver messages, stack traces,
 * anything a host prints). Values shorter than 3 characters are left alone: masking them would
 * shred ordinary words without protecting anything.
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  const list = [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  for (const s of list) {
    out = out.split(s).join(MASK);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(MASK);
  }
  return out;
}
