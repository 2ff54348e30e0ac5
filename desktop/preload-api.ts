// The whole API the renderer gets (`window.sitq`): send a protocol request, hear events, hear
// whether the core is up. Nothing else of Electron or Node crosses, and listeners receive the
// message only (never the IPC event object, which would leak `sender`).
import { IPC_EVENT, IPC_REQUEST, IPC_STATE, type SitqPreloadApi } from '../shared/protocol/bridge.js';
import { isUiBoundMessage, type EventMessage, type RequestMessage, type ResponseMessage } from '../shared/protocol/messages.js';
import type { IpcRendererLike } from './electron-types.js';

export function createPreloadApi(ipc: IpcRendererLike): SitqPreloadApi {
  const subscribe = (channel: string, deliver: (payload: unknown) => void) => {
    const listener = (_event: unknown, payload: unknown) => deliver(payload);
    ipc.on(channel, listener);
    return () => void ipc.removeListener(channel, listener);
  };
  return Object.freeze({
    request: (message: RequestMessage) => ipc.invoke(IPC_REQUEST, message) as Promise<ResponseMessage>,
    onEvent: (listener: (message: EventMessage) => void) =>
      subscribe(IPC_EVENT, (payload) => {
        if (isUiBoundMessage(payload) && payload.type === 'event') listener(payload);
      }),
    onState: (listener: (state: 'open' | 'closed') => void) =>
      subscribe(IPC_STATE, (payload) => {
        if (payload === 'open' || payload === 'closed') listener(payload);
      }),
  });
}
