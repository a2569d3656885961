/** The banner `serve` prints on start: where the server is and how to create the first account. */
import type { HomeserverConfig } from '../config/types.js';

export interface BannerInfo {
  readonly config: HomeserverConfig;
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly bootstrapToken: string | null;
}

export function printBanner(out: (line: string) => void, info: BannerInfo): void {
  const lines = [
    'Hearth homeserver is running',
    '',
    `  Server name:   ${info.config.serverName}`,
    `  Client URL:    ${info.publicUrl}   (enter this as the homeserver in Element)`,
    `  Admin API:     ${info.adminUrl}   (loopback only; token in ${info.config.configPath})`,
    `  Data:          ${info.config.dataDir}`,
    `  Registration:  ${info.config.registration.mode}`,
  ];
  if (info.bootstrapToken) {
    lines.push(
      '',
      '  No admin account exists yet. Register the first account with this one-time',
      '  registration token; that account becomes the server admin:',
      '',
      `      ${info.bootstrapToken}`,
    );
  }
  const width = Math.max(...lines.map((line) => line.length)) + 2;
  out(`┌${'─'.repeat(width)}┐`);
  for (const line of lines) out(`│ ${line.padEnd(width - 1)}│`);
  out(`└${'─'.repeat(width)}┘`);
}
