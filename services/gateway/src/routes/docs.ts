import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { GatewayEnv } from '../env.ts';

/** /openapi.json is generated from the route definitions above; /docs renders it. */
export function mountDocs(app: OpenAPIHono<GatewayEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Cognito access token (`scripts/token <handle>` prints one locally)',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Cruddur messaging public API',
      version: '1.0.0',
      description:
        'Direct messages between users. Errors are `{"errors": [code, ...]}` with every code that applies.',
    },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'Cruddur messaging API' }));
}
