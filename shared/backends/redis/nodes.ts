// nodes(): what the health view shows per node. One server: itself. A cluster: every node from
// CLUSTER NODES, masters that hold slots serving. Sentinels: the master and replicas they know
// (the master serving when the backend's command connection is on it) and the sentinels.
import type { NodeStatus } from '../../core/backend.js';
import type { RedisClient } from './connections.js';
import { isClusterClient, isServerClient, loadDriver } from './driver.js';
import { describeNode, hostPort, type RedisNodeAddress, type ResolvedRedisOptions } from './options.js';

export async function listNodes(command: RedisClient | undefined, o: ResolvedRedisOptions, address: string): Promise<NodeStatus[]> {
  const t = o.topology;
  if (t.kind === 'cluster') return clusterNodes(command, o, t.startupNodes);
  if (t.kind === 'sentinel') return sentinelNodes(command, o, t);
  try {
    if (!command) throw new Error('not connected');
    const info = await command.info('replication');
    return [{ address, role: roleOf(/role:(\w+)/.exec(info)?.[1]), reachable: true, serving: true }];
  } catch (err) {
    return [{ address, role: 'unknown', reachable: false, serving: true, error: (err as Error).message }];
  }
}

function roleOf(role: string | undefined): NodeStatus['role'] {
  return role === 'master' ? 'master' : role === 'slave' || role === 'replica' ? 'replica' : 'unknown';
}

async function clusterNodes(command: RedisClient | undefined, o: ResolvedRedisOptions, startup: RedisNodeAddress[]): Promise<NodeStatus[]> {
  let text: string;
  try {
    if (!isClusterClient(command)) throw new Error('not connected');
    text = (await command.cluster('NODES')) as string;
  } catch (err) {
    const error = `no node answered CLUSTER NODES: ${(err as Error).message}`;
    return startup.map((n) => ({ address: describeNode(o, n.host, n.port), role: 'unknown', reachable: false, serving: false, error }));
  }
  // <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link-state> <slot>...
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, addr, flagText, , , , , link, ...slots] = line.trim().split(' ');
      const flags = flagText.split(',');
      const hostport = addr.split('@')[0];
      const at = hostport.lastIndexOf(':');
      const failed = flags.includes('fail') || flags.includes('fail?');
      const reachable = !failed && (flags.includes('myself') || link === 'connected');
      const role = flags.includes('master') ? 'master' : flags.includes('slave') ? 'replica' : 'unknown';
      const node: NodeStatus = {
        address: describeNode(o, hostport.slice(0, at), Number(hostport.slice(at + 1))),
        role,
        reachable,
        serving: role === 'master' && reachable && slots.length > 0,
      };
      if (failed) node.error = `the cluster marks it ${flags.includes('fail') ? 'failed' : 'possibly failed'}`;
      else if (!reachable) node.error = `link ${link}`;
      return node;
    })
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

type Fields = Record<string, string>;
const fieldsOf = (flat: unknown): Fields => {
  const list = flat as string[];
  const out: Fields = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
};
const down = (f: Fields) => /s_down|o_down|disconnected/.test(f.flags ?? '');

async function sentinelNodes(
  command: RedisClient | undefined,
  o: ResolvedRedisOptions,
  t: Extract<ResolvedRedisOptions['topology'], { kind: 'sentinel' }>,
): Promise<NodeStatus[]> {
  // The master the backend's command connection is on right now, to mark it serving.
  const stream = isServerClient(command) && command.status === 'ready' ? command.stream : undefined;
  const connectedTo = stream?.remoteAddress ? `${stream.remoteAddress}:${stream.remotePort}` : undefined;
  const errors: string[] = [];
  const { Redis } = await loadDriver();
  for (const s of t.sentinels) {
    const sentinel = new Redis({
      host: s.host,
      port: s.port,
      lazyConnect: true,
      retryStrategy: () => null,
      connectTimeout: o.socketConnectTimeout,
      commandTimeout: o.socketTimeout > 0 ? o.socketTimeout : undefined,
      ...(t.username !== undefined ? { username: t.username } : {}),
      ...(t.password !== undefined ? { password: t.password } : {}),
      ...(t.tls ? { tls: t.tls } : {}),
    });
    sentinel.on('error', () => {});
    try {
      await sentinel.connect();
      const [master, replicas, others] = await Promise.all([
        sentinel.call('SENTINEL', 'MASTER', t.name).then(fieldsOf),
        sentinel.call('SENTINEL', 'REPLICAS', t.name).then((list) => (list as unknown[]).map(fieldsOf)),
        sentinel.call('SENTINEL', 'SENTINELS', t.name).then((list) => (list as unknown[]).map(fieldsOf)),
      ]);
      const node = (f: Fields, role: NodeStatus['role']): NodeStatus => {
        const reachable = !down(f);
        const status: NodeStatus = { address: describeNode(o, f.ip, Number(f.port)), role, reachable, serving: false };
        if (!reachable) status.error = `the sentinels report it ${f.flags}`;
        return status;
      };
      const masterNode = node(master, 'master');
      masterNode.serving = masterNode.reachable && connectedTo === hostPort(master.ip, Number(master.port));
      const sentinels: NodeStatus[] = [
        { address: `sentinel://${hostPort(s.host, s.port)}`, role: 'sentinel', reachable: true, serving: false },
        ...others.map((f) => ({ ...node(f, 'sentinel'), address: `sentinel://${hostPort(f.ip, Number(f.port))}` })),
      ];
      return [masterNode, ...replicas.map((f) => node(f, 'replica')), ...sentinels];
    } catch (err) {
      errors.push(`${hostPort(s.host, s.port)}: ${(err as Error).message}`);
    } finally {
      sentinel.disconnect();
    }
  }
  return t.sentinels.map((s) => ({
    address: `sentinel://${hostPort(s.host, s.port)}`,
    role: 'sentinel',
    reachable: false,
    serving: false,
    error: `no sentinel answered (${errors.join('; ')})`,
  }));
}
