/**
 * The only place the renderer touches `window.desktop`, the API the Electron preload exposes (CONVENTIONS §7).
 * In a plain browser (and in UI tests that do not stub it) there is no desktop API.
 */
import type { DesktopApi } from '../../electron/shared/ipc-contract.ts';

declare global {
  interface Window {
    /** Set by the Electron preload through contextBridge; absent in a plain browser. */
    readonly desktop?: DesktopApi;
  }
}

/** The desktop API, or null when the UI is not running inside the Hearth desktop app. */
export function getDesktop(): DesktopApi | null {
  return window.desktop ?? null;
}

export function isDesktop(): boolean {
  return getDesktop() !== null;
}
