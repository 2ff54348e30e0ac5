// The one IPC channel the renderer may use, and who may use it: every call is checked against
// the sender's frame (top-level, on the app's own origin, in a window this app opened).
import { IPC_REQUEST } from '../shared/protocol/bridge.js';
import { isRequestMessage, type RequestMessage, type ResponseMessage } from '../shared/protocol/messages.js';
import type { IpcMainInvokeEventLike, IpcMainLike } from './electron-types.js';
import { isAppUrl } from './window.js';

export interface RequestTarget {
  isAttached(contentsId: number): boolean;
  request(contentsId: number, message: RequestMessage): Promise<ResponseMessage>;
}

export class UntrustedSenderError extends Error {
  override name = 'UntrustedSenderError';
}

/** True only for the top frame of one of our windows showing an app:// page. */
export function isTrustedSender(event: IpcMainInvokeEventLike, target: Pick<RequestTarget, 'isAttached'>): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url) && target.isAttached(event.sender.id);
}

/** Registers the request handler; returns the function that removes it. */
export function registerIpc(ipcMain: IpcMainLike, target: RequestTarget): () => void {
  ipcMain.handle(IPC_REQUEST, (event, message) => {
    if (!isTrustedSender(event, target)) {
      throw new UntrustedSenderError(`refused ${IPC_REQUEST} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
    }
    if (!isRequestMessage(message)) {
      const id =
        message && typeof message === 'object' && Number.isSafeInteger((message as { id?: unknown }).id)
          ? (message as { id: number }).id
          : 0;
      return {
        type: 'response',
        id,
        ok: false,
        error: { name: 'ConfigurationError', message: 'expected a request { type: "request", id, method, params }' },
      } satisfies ResponseMessage;
    }
    return target.request(event.sender.id, message);
  });
  return () => ipcMain.removeHandler(IPC_REQUEST);
}
