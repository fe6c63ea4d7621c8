import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleService, type ServiceName } from '@cruddur/deploy-docker/bundle';
import { REPO_ROOT } from './script-env.ts';

/** Where `scripts/up` keeps the services' bundles (gitignored): `dist/services/<name>/main.mjs`. */
export const BUNDLE_ROOT = join(REPO_ROOT, 'dist', 'services');

export const bundlePath = (name: ServiceName, root = BUNDLE_ROOT) => join(root, name, 'main.mjs');

/**
 * Where Node keeps V8's compiled code of a service's bundle between starts (NODE_COMPILE_CACHE): compiling a 1.5 MB
 * bundle is a quarter of a service's start on this machine (about 100 ms of 400). Emptied when the bundle is rebuilt,
 * so entries for old builds do not pile up (Node keys them by content and never removes one).
 */
export const compileCacheDir = (name: ServiceName, root = BUNDLE_ROOT) => join(root, name, 'compile-cache');

/** What a bundle was built from, written beside it, to tell whether it is older than its sources. */
interface Manifest {
  builtAtMs: number;
  inputs: string[];
}

// A new install changes node_modules without touching any file a bundle lists: these two say it happened.
const INSTALL_MARKERS = ['pnpm-lock.yaml', join('node_modules', '.modules.yaml')];

function isFresh(name: ServiceName, root: string): boolean {
  const manifestFile = join(root, name, 'manifest.json');
  if (!existsSync(bundlePath(name, root)) || !existsSync(manifestFile)) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  for (const input of [...manifest.inputs, ...INSTALL_MARKERS]) {
    try {
      if (statSync(join(REPO_ROOT, input)).mtimeMs > manifest.builtAtMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Builds one service's bundle next to where it goes and moves it in, so a reader never sees half a file. */
async function build(name: ServiceName, root: string): Promise<void> {
  const builtAtMs = Date.now();
  const scratch = join(root, `.${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const { outfile, inputs } = await bundleService(name, scratch);
    mkdirSync(join(root, name), { recursive: true });
    renameSync(outfile, bundlePath(name, root));
    rmSync(compileCacheDir(name, root), { recursive: true, force: true });
    const manifest: Manifest = { builtAtMs, inputs };
    writeFileSync(join(scratch, 'manifest.json'), JSON.stringify(manifest));
    renameSync(join(scratch, 'manifest.json'), join(root, name, 'manifest.json'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Makes sure each service's production bundle (the same esbuild build the Docker images run) is there and
 * newer than every file it was built from; rebuilds those that are not. Returns the ones it built. Several
 * processes may call it at once (test files start systems in parallel): each build lands by rename.
 */
export async function ensureBundles(
  names: readonly ServiceName[],
  root = BUNDLE_ROOT,
): Promise<ServiceName[]> {
  const stale = names.filter((n) => !isFresh(n, root));
  await Promise.all(stale.map((n) => build(n, root)));
  return stale;
}
