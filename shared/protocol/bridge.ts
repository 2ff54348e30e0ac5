// The Electron preload's API (`window.sitq`), shared by desktop/preload.ts and the UI's Electron
// transport. It is deliberately narrow: one request channel and one event channel, both carrying
// protocol messages only.
import type { RequestMessage, ResponseMessage, EventMessage } from './messages.js';

export interface SitqPreloadApi {
  /** Sends one request to the host and resolves with its response (never rejects for a refusal:
   *  a failed request is a response with ok: false). */
  request(message: RequestMessage): Promise<ResponseMessage>;
  /** Host-pushed events; returns the function that stops listening. */
  onEvent(listener: (message: EventMessage) => void): () => void;
  /** The host's core process went away (`closed`) or came back (`open`). */
  onState(listener: (state: 'open' | 'closed') => void): () => void;
}

/** IPC channel names (main, preload). */
export const IPC_REQUEST = 'sitq:request';
export const IPC_EVENT = 'sitq:event';
export const IPC_STATE = 'sitq:state';
