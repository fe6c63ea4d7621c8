export { buildGatewayApp, type GatewayAppDeps } from './app.ts';
export {
  type AccessClaims,
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  InvalidTokenError,
  JwksUnavailableError,
} from './auth/verifier.ts';
export { type GatewayConfig, gatewayConfigSchema } from './config.ts';
// The real-time parts, for the fan-out benchmark's simulated replicas.
export { ConnectionTracker } from './events/connections.ts';
export { type ClientEvent, type EventSink, SseHub } from './events/hub.ts';
export { ReplicaEventFeed } from './events/replica-feed.ts';
export { type RunningGateway, startGateway } from './service.ts';
