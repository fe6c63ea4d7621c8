export { buildGatewayApp, type GatewayAppDeps } from './app.ts';
export {
  type AccessClaims,
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  InvalidTokenError,
  JwksUnavailableError,
} from './auth/verifier.ts';
export { type GatewayConfig, gatewayConfigSchema } from './config.ts';
export { type RunningGateway, startGateway } from './service.ts';
