// Every IPC call is checked against its sender: only the top frame of one of the app's own
// windows, on app://sitq, gets through; anything else is refused before it reaches the core.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { registerIpc, UntrustedSenderError } from '../../desktop/ipc.js';
import { IPC_REQUEST } from '../../shared/protocol/bridge.js';
import type { RequestMessage, ResponseMessage } from '../../shared/protocol/messages.js';
import { FakeIpcMain, FakeWebContents, topFrame } from './fakes.js';

function setup() {
  const ipc = new FakeIpcMain();
  const ours = new FakeWebContents();
  const seen: { id: number; message: RequestMessage }[] = [];
  const unregister = registerIpc(ipc, {
    isAttached: (id) => id === ours.id,
    request: async (id, message): Promise<ResponseMessage> => {
      seen.push({ id, message });
      return { type: 'response', id: message.id, ok: true, result: { echoed: message.method } } as unknown as ResponseMessage;
    },
  });
  return { ipc, ours, seen, unregister };
}

const hello: RequestMessage = { type: 'request', id: 7, method: 'hello', params: {} };

it("forwards a request from the app's own top frame to that window's session", async () => {
  const { ipc, ours, seen } = setup();
  const response = await ipc.invoke(IPC_REQUEST, ours, topFrame('app://sitq/index.html#/queues'), hello);
  assert.deepEqual(response, { type: 'response', id: 7, ok: true, result: { echoed: 'hello' } });
  assert.deepEqual(seen, [{ id: ours.id, message: hello }]);
});

it('refuses other origins, subframes, unknown windows and frameless senders', async () => {
  const { ipc, ours, seen } = setup();
  const stranger = new FakeWebContents();
  const cases = [
    { sender: ours, frame: topFrame('https://evil.example/') },
    { sender: ours, frame: topFrame('file:///home/me/page.html') },
    { sender: ours, frame: topFrame('app://sitq.evil/index.html') },
    { sender: ours, frame: { url: 'app://sitq/index.html', parent: topFrame('app://sitq/index.html') } },
    { sender: stranger, frame: topFrame('app://sitq/index.html') },
    { sender: ours, frame: null },
  ];
  for (const c of cases) await assert.rejects(ipc.invoke(IPC_REQUEST, c.sender, c.frame, hello), UntrustedSenderError);
  assert.deepEqual(seen, []);
});

it('answers a malformed message with an error response, not a crash', async () => {
  const { ipc, ours, seen } = setup();
  const response = (await ipc.invoke(IPC_REQUEST, ours, topFrame('app://sitq/'), { id: 3, method: 'hello' })) as ResponseMessage;
  assert.equal(response.ok, false);
  assert.equal(response.id, 3);
  assert.deepEqual(seen, []);
});

it('registers one channel and removes it on stop', () => {
  const { ipc, unregister } = setup();
  assert.deepEqual([...ipc.handlers.keys()], [IPC_REQUEST]);
  unregister();
  assert.equal(ipc.handlers.size, 0);
});
