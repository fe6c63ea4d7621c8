import { baseSchema, port, z } from '@cruddur/config';

export const gatewayConfigSchema = baseSchema.extend({
  PORT: port(4567),
  USERS_URL: z.url(),
  MESSAGING_URL: z.url(),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
