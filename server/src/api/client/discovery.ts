/**
 * Server discovery: the spec versions we serve, and .well-known/matrix/client.
 * Spec: client-server-api "Server Discovery", versions.yaml, wellknown.yaml (v1.19).
 */
import type { ServerInfo } from '../../services/index.js';
import type { TypedApp } from '../../http/types.js';

/**
 * The spec versions whose requirements are met for the modules this server has. It grows as modules
 * land: v1.11 (authenticated media) comes with the media repository; clients switch their media
 * requests to /_matrix/client/v1/media as soon as it is listed.
 */
export const SUPPORTED_VERSIONS = [
  'r0.0.1', 'r0.1.0', 'r0.2.0', 'r0.3.0', 'r0.4.0', 'r0.5.0', 'r0.6.0', 'r0.6.1',
  'v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10',
] as const;

export function discoveryRoutes(app: TypedApp, server: ServerInfo): void {
  /** GET /_matrix/client/versions */
  app.get('/_matrix/client/versions', async () => ({ versions: SUPPORTED_VERSIONS, unstable_features: {} }));

  /** GET /.well-known/matrix/client */
  app.get('/.well-known/matrix/client', async () => ({ 'm.homeserver': { base_url: server.publicBaseUrl() } }));
}
