import type { AppVariables } from '@cruddur/http';
import type { Caller } from './auth/identity.ts';

/** Hono typing for the gateway: createApp's variables plus the verified caller on authenticated routes. */
export interface GatewayEnv {
  Variables: AppVariables & { caller?: Caller };
}
