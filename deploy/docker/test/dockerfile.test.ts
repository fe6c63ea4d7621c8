import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  SERVICE_NODE_FLAGS,
  SERVICE_PORTS,
  SERVICE_PROCESS_ENV,
  SERVICES,
} from '../src/bundle.ts';
import { loadCompose } from '../src/compose.ts';

// No Docker engine here: the Dockerfile is checked by construction. Its build step (the esbuild bundle) runs
// for real in compose-runtime.test.ts.

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** Splits a Dockerfile into stages (continuation lines joined). */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1]!, name: from[2] ?? '', lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const stage = (name: string) => all.find((s) => s.name === name);
/** A stage's instructions including those it inherits from the stages it is built FROM. */
function effective(name: string): string[] {
  const s = stage(name);
  if (!s) return [];
  return [...effective(s.from), ...s.lines];
}

describe('Dockerfile', () => {
  it('has one target per service plus the tools image, and compose builds exactly those', () => {
    for (const name of [...SERVICES, 'tools']) expect(stage(name), name).toBeDefined();
    const targets = Object.values(loadCompose().services)
      .map((s) => s.build?.target)
      .filter(Boolean);
    for (const t of targets) expect(stage(t!), t).toBeDefined();
  });

  it('builds from the lockfile and bundles every service in the build stage', () => {
    const build = stage('build')!.lines.join('\n');
    expect(build).toMatch(/pnpm install --frozen-lockfile --offline/);
    expect(build).toContain('deploy/docker/src/bundle-cli.ts /out');
  });

  it.each(SERVICES)(
    '%s: slim Node 24 base, non-root, HEALTHCHECK on /healthz, only its own bundle',
    (name) => {
      const lines = effective(name);
      const base = all.find((s) => s.name === 'runtime')!;
      expect(stage(name)!.from).toBe('runtime');
      expect(base.from).toBe(['$', '{NODE_IMAGE}'].join(''));
      expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
      const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
      expect(user).toBe('USER node');
      const healthcheck = lines.filter((l) => l.startsWith('HEALTHCHECK')).at(-1);
      expect(healthcheck).toContain('/healthz');
      expect(lines).toContain(`ENV PORT=${SERVICE_PORTS[name]}`);
      // Listens on every interface (the services default to loopback); the HEALTHCHECK still asks 127.0.0.1.
      expect(lines.filter((l) => l.startsWith('ENV ')).join(' ')).toMatch(/\bHOST=0\.0\.0\.0\b/);
      // The same process environment as scripts/up gives the same bundle.
      for (const [key, value] of Object.entries(SERVICE_PROCESS_ENV)) {
        expect(lines.filter((l) => l.startsWith('ENV ')).join(' ')).toContain(` ${key}=${value} `);
      }
      expect(healthcheck).toContain("fetch('http://127.0.0.1:'+(process.env.PORT||'')+'/healthz')");
      const copies = stage(name)!.lines.filter((l) => l.startsWith('COPY'));
      expect(copies).toEqual([`COPY --from=build /out/${name}/main.mjs ./main.mjs`]);
      // The same Node flags as scripts/up gives the same bundle.
      expect(lines.filter((l) => l.startsWith('CMD')).at(-1)).toBe(
        `CMD ${JSON.stringify(['node', ...SERVICE_NODE_FLAGS, 'main.mjs']).replaceAll(',', ', ')}`,
      );
    },
  );

  it('the tools image runs unprivileged too', () => {
    expect(
      effective('tools')
        .filter((l) => l.startsWith('USER '))
        .at(-1),
    ).toBe('USER node');
  });

  it('the tools image has /keys owned by its user, so init can write the keys into a fresh volume there', () => {
    const lines = stage('tools')!.lines;
    const mkdir = lines.findIndex((l) => /^RUN mkdir\b.*\/keys\b.*chown node:node \/keys$/.test(l));
    expect(mkdir).toBeGreaterThanOrEqual(0);
    expect(mkdir).toBeLessThan(lines.indexOf('USER node'));
    const init = loadCompose().services.init!;
    expect(init.volumes).toContain('service-keys:/keys');
  });
});

describe('.dockerignore', () => {
  it('keeps host installs, tool caches, local data and secrets out of the build context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of ['**/node_modules', '.tools', '.data', '.git', '.env', '**/cdk.out']) {
      expect(ignored, entry).toContain(entry);
    }
    // The build needs these: never ignore them.
    for (const needed of ['pnpm-lock.yaml', 'package.json', 'scripts', 'services', 'packages', 'deploy']) {
      expect(ignored, needed).not.toContain(needed);
    }
  });
});
