import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Every service that gets its own image; the name is the folder under services/ and the Dockerfile target. */
export const SERVICES = ['gateway', 'users', 'messaging', 'stream-consumer'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The port each service listens on (docs/contracts.md); the image's HEALTHCHECK and EXPOSE use it. */
export const SERVICE_PORTS: Record<ServiceName, number> = {
  gateway: 4567,
  users: 4571,
  messaging: 4572,
  'stream-consumer': 4573,
};

/**
 * The Node flags every service runs with, in its image (the Dockerfile's CMD) and under `scripts/up`.
 * V8 sizes its heap for the machine, not the container: left alone on a 24 GB host, a busy messaging replica
 * let its young generation and heap grow to 290 MB RSS, though it holds about 25 MB live. The cap is a
 * trade measured under load (32 connections on list pages): a small old space makes V8 grow the heap in
 * small steps and collect often (at 96 MB with 4 MB semi-spaces GC took three times the CPU per request and
 * the whole request 40% more), while 192 MB with 16 MB semi-spaces keeps GC per request where it is
 * unlimited (about 0.15 ms) at 150-160 MB RSS under saturation, about 100 MB idle (42 MB of either is the
 * node binary, shared by every process), and a leak ends in a crash and a restart, not a host swapping.
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=16'] as const;

/**
 * The environment every service runs with beside those flags (the image's ENV, and `scripts/up`'s).
 * `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (libuv's pool, V8's compiler and GC helpers) an arena
 * of its own, up to eight per core, and memory freed in one is kept for reuse there, so RSS creeps outside the V8
 * heap as more threads touch more arenas. Two arenas suit a process with one JavaScript thread: in the 10-minute soak
 * each service ended 7-10 MB lower (users 112.6 to 105.7 MB, messaging 150.0 to 139.3, stream consumer 149.9 to 141.9,
 * gateway 129.7 to 122.5), and the stream consumer's RSS grew 0.6 MB instead of 1.6 MB over the second half.
 */
export const SERVICE_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * Left out of the bundle: optional modules that are only loaded when a feature is switched on
 * (pg's native binding, pino's pretty printer, which is for a developer's terminal only).
 * Each is loaded behind a try/catch or a flag by the library, so the bundle runs without them.
 */
export const BUNDLE_EXTERNALS = ['pg-native', 'pino-pretty'];

/**
 * ESM output still meets CommonJS dependencies that call `require`, `__filename` and `__dirname`;
 * this banner gives them the Node built-ins they expect.
 */
const ESM_REQUIRE_BANNER = [
  "import { createRequire as __cruddurCreateRequire } from 'node:module';",
  "import { fileURLToPath as __cruddurFileURLToPath } from 'node:url';",
  "import { dirname as __cruddurDirname } from 'node:path';",
  'const require = __cruddurCreateRequire(import.meta.url);',
  'const __filename = __cruddurFileURLToPath(import.meta.url);',
  'const __dirname = __cruddurDirname(__filename);',
].join('\n');

export interface BundleOptions {
  /** Entry file relative to the service folder: `src/main.ts` (the process) or `src/lambda.ts` (the Lambda handler). */
  entry?: string;
  /** File name written in `outdir`. */
  outfile?: string;
  minify?: boolean;
}

export interface BundleResult {
  outfile: string;
  /** Input files that went into the bundle, relative to the repo root (e.g. `packages/http/src/app.ts`). */
  inputs: string[];
  /** Modules the bundle still imports at run time (Node built-ins and BUNDLE_EXTERNALS only, if all is well). */
  imports: string[];
}

/**
 * Bundles one service (or its Lambda handler) into a single ESM file with every dependency inlined, so the
 * runtime image holds one file and no node_modules: small, and nothing of another service comes along.
 * The Dockerfile runs this (deploy/docker/src/bundle-cli.ts) and the CDK app uses it for the Lambda asset.
 */
export async function bundleService(
  service: ServiceName,
  outdir: string,
  { entry = 'src/main.ts', outfile = 'main.mjs', minify = true }: BundleOptions = {},
): Promise<BundleResult> {
  const entryPoint = join(REPO_ROOT, 'services', service, entry);
  if (!existsSync(entryPoint)) throw new Error(`no entry point ${entryPoint}`);
  await mkdir(outdir, { recursive: true });
  const target = resolve(outdir, outfile);
  const result = await build({
    entryPoints: [entryPoint],
    outfile: target,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // Whitespace and syntax only: identifiers keep their names, so stack traces and the `type` pino logs for an
    // error (its constructor's name) stay readable without a source map. `keepNames` would promise the same for
    // the few names esbuild renames to avoid a collision, but it wraps every function and class in a `__name` call
    // that runs each time a closure is created: 1.7% of messaging's busy time per request in a profile.
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: false,
    sourcemap: false,
    legalComments: 'none',
    external: BUNDLE_EXTERNALS,
    banner: { js: ESM_REQUIRE_BANNER },
    // Module resolution from the service folder, so each bundle sees its own dependency versions.
    absWorkingDir: join(REPO_ROOT, 'services', service),
    metafile: true,
    logLevel: 'silent',
  });
  const metafile = result.metafile as Metafile;
  const imports = new Set(
    Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)),
  );
  const serviceDir = join(REPO_ROOT, 'services', service);
  const inputs = Object.keys(metafile.inputs).map((i) => relative(REPO_ROOT, resolve(serviceDir, i)));
  return { outfile: target, inputs, imports: [...imports].sort() };
}
