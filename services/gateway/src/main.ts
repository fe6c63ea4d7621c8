import { runService } from '@cruddur/http';
import { gatewayConfigSchema } from './config.ts';
import { startGateway } from './service.ts';

await runService({ name: 'gateway', schema: gatewayConfigSchema, start: startGateway });
