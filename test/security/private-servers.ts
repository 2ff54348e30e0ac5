// Private Redis and NATS servers for the security tests (password/token auth, TLS) on their own
// ports, never the shared ones, plus a throwaway CA and server certificate made with openssl.
// Every server is stopped and its folder removed by stop(), which the tests call in `after`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisServerArgs } from '../../shared/backends/redis/kit.js';
import { endProcess, untilListening } from '../helpers/processes.js';

/** Why a private server cannot be started here (a skip message), or false when it can. */
export function missingTool(...tools: string[]): string | false {
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) return `${tool} is not installed`;
  }
  return false;
}

export interface Certificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** PEM text of the CA certificate. */
  ca: string;
}

/** A CA and a server certificate for 127.0.0.1 / localhost, valid for a day. */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-tls-'));
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=sitq test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  };
}

export interface PrivateServer {
  port: number;
  /** Everything the server printed (for failure messages and leak checks). */
  output(): string;
  stop(): Promise<void>;
}

async function startProcess(command: string, args: string[], port: number, dir: string): Promise<PrivateServer> {
  const child: ChildProcess = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const stop = async () => {
    await endProcess(child, 'SIGTERM', 5000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await untilListening(child, port, 20_000);
  } catch (err) {
    await stop();
    throw new Error(`${command} did not start on port ${port} (${(err as Error).message}):\n${output}`);
  }
  return { port, output: () => output, stop };
}

/** redis-server on `port`: plain, or TLS only (no plain port) when `tls` is given. */
export function startRedis(options: { port: number; password?: string; tls?: Certificates }): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-redis-'));
  const args = redisServerArgs(options.port, dir, options.tls);
  if (options.password) args.push('--requirepass', options.password);
  return startProcess('redis-server', args, options.port, dir);
}

/** nats-server with JetStream on `port`, with token auth and/or TLS. */
export function startNats(options: { port: number; token?: string; tls?: Certificates }): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-nats-'));
  const lines = ['listen: 127.0.0.1:' + options.port, `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`];
  if (options.token) lines.push(`authorization { token: ${JSON.stringify(options.token)} }`);
  if (options.tls)
    lines.push(
      `tls { cert_file: ${JSON.stringify(options.tls.certFile)}, key_file: ${JSON.stringify(options.tls.keyFile)}, ca_file: ${JSON.stringify(options.tls.caFile)} }`,
    );
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  return startProcess('nats-server', ['-c', conf], options.port, dir);
}
