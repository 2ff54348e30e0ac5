// Throwaway TLS material for private test servers (NATS, PostgreSQL): made with openssl per run.
import { execFileSync } from 'node:child_process';

/** Writes a self-signed certificate (its own CA) for 127.0.0.1 and localhost, valid `days`,
 *  and its unencrypted key. */
export function writeSelfSignedCert(keyFile: string, certFile: string, days = 1): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(days),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
}
