import { join } from 'node:path';
import { bundleService, SERVICES, type ServiceName } from './bundle.ts';

/**
 * `node --import tsx deploy/docker/src/bundle-cli.ts <outdir> [service...]`: writes `<outdir>/<service>/main.mjs`
 * for each service (all four by default). Used by the Dockerfile's build stage.
 */
const [outdir, ...names] = process.argv.slice(2);
if (!outdir) {
  console.error('usage: bundle-cli.ts <outdir> [service...]');
  process.exit(2);
}
const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n));
if (unknown.length > 0) {
  console.error(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICES.join(', ')}`);
  process.exit(2);
}
const services = (names.length > 0 ? names : [...SERVICES]) as ServiceName[];
for (const service of services) {
  const { outfile, inputs } = await bundleService(service, join(outdir, service));
  console.log(`${service}: ${outfile} (${inputs.length} input files)`);
}
