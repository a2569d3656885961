/**
 * The whole IPC surface between the Electron main process and the renderer (CONVENTIONS §7, §9).
 *
 * The preload exposes exactly `window.desktop: DesktopApi`, and each member has one channel in `IPC`, named
 * `desktop:<verb-noun>`. Adding a call: add the method to `DesktopApi` and its channel to `IPC` (the
 * `satisfies` below makes one without the other a type error), implement it in the preload, add the
 * `ipcMain.handle` with sender and argument checks, and stub it in the Playwright fixtures.
 *
 * This module imports nothing: the main process, the preload and the renderer all depend on it.
 */

/** What the renderer can ask of the desktop shell. Members are added by the issues that build the shell. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty until the first IPC call lands
export interface DesktopApi {}

/** The IPC channel of each `DesktopApi` member. */
export const IPC = {} as const satisfies { readonly [K in keyof DesktopApi]-?: `desktop:${string}` };

export type IpcChannel = (typeof IPC)[keyof typeof IPC];
