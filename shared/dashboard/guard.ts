// Who may talk to the browser dashboard: only this machine (the server binds 127.0.0.1), only
// with this run's token in the path, only with a Host header naming the loopback address (so a
// DNS-rebinding page cannot reach it), and for WebSockets only from the dashboard's own origin.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface Guard {
  readonly token: string;
  /** The path after `/<token>`, or undefined when the token is missing or wrong. */
  pathAfterToken(url: string): string | undefined;
  hostAllowed(req: IncomingMessage): boolean;
  originAllowed(req: IncomingMessage): boolean;
  /** The request carries `Authorization: Bearer <token>` (how Prometheus sends a credential). */
  bearerAllowed(req: IncomingMessage): boolean;
}

export function createGuard(token: string, port: () => number): Guard {
  const expected = Buffer.from(token);
  const hosts = () => [`127.0.0.1:${port()}`, `localhost:${port()}`];
  const matches = (given: string) => {
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
  return {
    token,
    pathAfterToken(url) {
      let pathname: string;
      try {
        pathname = new URL(url, 'http://127.0.0.1').pathname;
      } catch {
        return undefined;
      }
      const match = /^\/([^/]+)(\/.*)?$/.exec(pathname);
      if (!match) return undefined;
      if (!matches(match[1])) return undefined;
      return match[2] ?? '';
    },
    hostAllowed(req) {
      return hosts().includes(req.headers.host ?? '');
    },
    bearerAllowed(req) {
      const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
      return m !== null && matches(m[1]);
    },
    originAllowed(req) {
      const origin = req.headers.origin;
      return origin !== undefined && hosts().some((h) => origin === `http://${h}`);
    },
  };
}
