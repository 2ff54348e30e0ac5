// The request/reply table shared by the UI's ProtocolClient and the extension's IPC calls, and
// the client's use of it over an in-memory transport.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolClient, type ConnectionState, type Transport } from '../../shared/protocol/client.js';
import { BridgeError, RemoteError, type HostBoundMessage } from '../../shared/protocol/messages.js';
import { PendingReplies } from '../../shared/protocol/pending.js';

const table = () => new PendingReplies({ timedOut: (what, ms) => new Error(`${what} late after ${ms} ms`) });

describe('PendingReplies', () => {
  it('settles each call by its id, in any order, and ignores replies nobody waits for', async () => {
    const t = table();
    const ids: number[] = [];
    const a = t.call('a', 5000, (id) => ids.push(id));
    const b = t.call('b', 5000, (id) => ids.push(id));
    assert.notEqual(ids[0], ids[1]);
    t.settle(ids[1], { ok: true, value: 'B' });
    t.settle(ids[0], { ok: false, error: new Error('A failed') });
    assert.equal(await b, 'B');
    await assert.rejects(a, /A failed/);
    t.settle(ids[0], { ok: true, value: 'again' }); // late: no effect, no throw
    t.settle(999, { ok: true, value: 'unknown' });
  });

  it('fails a call whose reply is late with the error that names it', async () => {
    await assert.rejects(
      table().call('profiles.list', 30, () => {}),
      /profiles\.list late after 30 ms/,
    );
  });

  it('fails a call at once with what its send threw', async () => {
    await assert.rejects(
      table().call('x', 60_000, () => {
        throw new Error('pipe closed');
      }),
      /pipe closed/,
    );
  });

  it('failAll fails every waiting call', async () => {
    const t = table();
    const calls = [t.call('a', 60_000, () => {}), t.call('b', 60_000, () => {})];
    t.failAll(new Error('the other side went away'));
    for (const c of calls) await assert.rejects(c, /the other side went away/);
  });
});

/** A transport whose far side the test plays. */
class MemoryTransport implements Transport {
  state: ConnectionState = 'open';
  sent: HostBoundMessage[] = [];
  failSends = false;
  private messageListener: (m: unknown) => void = () => {};
  private stateListener: (s: ConnectionState) => void = () => {};
  send(message: HostBoundMessage): void {
    if (this.failSends) throw new Error('socket closed');
    this.sent.push(message);
  }
  onMessage(listener: (m: unknown) => void): void {
    this.messageListener = listener;
  }
  onState(listener: (s: ConnectionState) => void): void {
    this.stateListener = listener;
  }
  deliver(message: unknown): void {
    this.messageListener(message);
  }
  setState(state: ConnectionState): void {
    this.state = state;
    this.stateListener(state);
  }
  close(): void {}
}

describe('ProtocolClient', () => {
  it('answers a request with its result, and a host error as RemoteError', async () => {
    const transport = new MemoryTransport();
    const client = new ProtocolClient(transport);
    const ok = client.request('profiles.list', {});
    const bad = client.request('profiles.list', {});
    const [first, second] = transport.sent as { id: number }[];
    transport.deliver({ type: 'response', id: second.id, ok: false, error: { name: 'NotFoundError', message: 'no such profile' } });
    transport.deliver({ type: 'response', id: first.id, ok: true, result: [] });
    assert.deepEqual(await ok, []);
    const err = await bad.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RemoteError);
    assert.equal(err.name, 'NotFoundError');
    assert.equal(err.message, 'no such profile');
  });

  it('fails with BridgeError when the send fails, when late, and when the connection drops', async () => {
    const transport = new MemoryTransport();
    const client = new ProtocolClient(transport, 40);
    transport.failSends = true;
    await assert.rejects(
      client.request('profiles.list', {}),
      (e: unknown) => e instanceof BridgeError && /could not send profiles\.list: socket closed/.test(e.message),
    );
    transport.failSends = false;
    await assert.rejects(
      client.request('profiles.list', {}),
      (e: unknown) => e instanceof BridgeError && /profiles\.list got no answer within 40 ms/.test(e.message),
    );
    const inFlight = client.request('profiles.list', {}, { timeoutMs: 60_000 });
    transport.setState('closed');
    await assert.rejects(inFlight, (e: unknown) => e instanceof BridgeError && /connection to the host was lost/.test(e.message));
    await assert.rejects(client.request('profiles.list', {}), /not connected to the host/);
  });
});
