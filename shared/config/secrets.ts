// Finding secrets in a profile's options: secret fields (password, token, ...) and passwords
// inside URLs. Kept apart from profiles.ts so that reading a config file loads no backend driver.
import { isSecretField } from './redact.js';
import { isReference } from './references.js';
import type { ProfileEntry } from './schema.js';

/** Every secret value in an options object: secret fields, and passwords inside URLs. */
export function secretValuesIn(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isSecretField(path)) return value ? [value] : [];
    return urlPasswords(value);
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => secretValuesIn(v, [...path, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretValuesIn(v, [...path, k]));
  return [];
}

const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^\s@/?#]*)@/gi;

function urlPasswords(value: string): string[] {
  const found: string[] = [];
  for (const m of value.matchAll(URL_USERINFO)) {
    const info = m[1];
    const colon = info.indexOf(':');
    const secret = colon >= 0 ? info.slice(colon + 1) : /^(nats|tls|wss?):/i.test(m[0]) ? info : '';
    if (secret) {
      found.push(secret);
      try {
        const decoded = decodeURIComponent(secret);
        if (decoded !== secret) found.push(decoded);
      } catch {
        // not percent-encoded
      }
    }
  }
  for (const m of value.matchAll(/[?&;](?:password|pass|pwd|token|secret|auth|sslpassword|access_token)=([^&#\s]+)/gi)) found.push(m[1]);
  return found;
}

/** Where a stored profile holds a secret written out in full (not as a `${NAME}` reference):
 *  paths like `password` or `connectionString` (a password inside the URL). */
export function plainSecretFields(entry: ProfileEntry): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (typeof v === 'string') {
      const plain = isSecretField(path) ? v !== '' && !isReference(v) : urlPasswords(v).some((s) => !isReference(s));
      if (plain) found.push(path.join('.'));
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, String(i)]));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(entry, []);
  return found;
}
