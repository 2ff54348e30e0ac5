// Picks the transport for the host the page runs in: Electron's preload bridge, a VS Code
// webview, or (default) the browser dashboard's WebSocket.
import type { SitqPreloadApi } from '../../shared/protocol/bridge.js';
import type { Transport } from '../../shared/protocol/client.js';
import type { ExportedFile } from '../../shared/protocol/bench.js';
import { ElectronTransport } from './electron.js';
import { VsCodeTransport, type VsCodeApi } from './vscode.js';
import { WebSocketTransport } from './websocket.js';

declare global {
  interface Window {
    sitq?: SitqPreloadApi;
    acquireVsCodeApi?: () => VsCodeApi;
  }
}

export function createTransport(): Transport {
  if (window.sitq) return new ElectronTransport(window.sitq);
  if (typeof window.acquireVsCodeApi === 'function') return new VsCodeTransport(window.acquireVsCodeApi());
  return WebSocketTransport.besidePage();
}

/** Offers a file to the user (a download in browsers and Electron). */
export function saveFile(file: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
