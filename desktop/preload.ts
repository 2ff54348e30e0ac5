// Preload (sandboxed, bundled to one CommonJS file): exposes the narrow `window.sitq` bridge.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('sitq', createPreloadApi(ipcRenderer));
