# syntax=docker/dockerfile:1.7
#
# One Dockerfile, one image per service:
#   docker build --target gateway         -t cruddur/gateway .
#   docker build --target users           -t cruddur/users .
#   docker build --target messaging       -t cruddur/messaging .
#   docker build --target stream-consumer -t cruddur/stream-consumer .
#   docker build --target tools           -t cruddur/tools .   (migrations, schema-load, seeds: the compose `init` service)
#
# The build stage installs the whole workspace from the lockfile and bundles each service with esbuild
# (deploy/docker/src/bundle.ts) into one ESM file that holds the service's own dependencies and nothing else.
# A service image is node:24 slim + that one file, run as the unprivileged `node` user.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /repo
ENV CI=true \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    PATH=/repo/.tools/pnpm/node_modules/.bin:$PATH

# pnpm is installed by the project's own bootstrap (the pinned version from package.json into .tools/pnpm),
# so `scripts/run` finds it in the tools image and never reaches for the network.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY scripts/lib/toolchain.sh scripts/lib/toolchain.sh
RUN bash -c 'source scripts/lib/toolchain.sh && ensure_pnpm'

# Dependencies are fetched from the lockfile alone, so this layer is reused until the lockfile changes.
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm fetch

COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --offline --reporter=append-only

# scripts/run skips `pnpm install` when node_modules is newer than the lockfile: make sure it is, so the tools
# image never tries to install (it runs offline, as the unprivileged user).
RUN touch node_modules/.modules.yaml \
 && node --import tsx deploy/docker/src/bundle-cli.ts /out

# ---------------------------------------------------------------------------------------------------------------
# The one-shot image: the workspace with its scripts. `init.sh <script>...` runs `scripts/run <script>` in order
# (compose `init`: db/migrate ddb/schema-load db/seed; compose `seed-messages`: ddb/seed).
FROM build AS tools
# Where compose's `init` writes the service keys (scripts/ops/service-keys --out /keys): a fresh named volume
# mounted here takes this directory's owner and mode, so the unprivileged user can write the keys into it.
RUN mkdir -m 0700 /keys && chown node:node /keys
USER node
CMD ["sh", "deploy/docker/init.sh", "db/migrate", "ddb/schema-load", "db/seed"]

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# HOST: the services listen on loopback unless told otherwise (packages/config); in a container that would make
# them unreachable, so images listen on all interfaces and the network (compose networks, NetworkPolicies) decides
# who may connect. The HEALTHCHECK below still reaches them on 127.0.0.1.
# MALLOC_ARENA_MAX is SERVICE_PROCESS_ENV in deploy/docker/src/bundle.ts (fewer glibc arenas: less RSS creep).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
# `node` (uid 1000) ships with the image; the bundle stays root-owned, so the process cannot rewrite its own code.
USER node
# Alive = /healthz answers 200 on the service's PORT (each target sets PORT). Node's own fetch: no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||'')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# The services handle SIGTERM themselves (stop taking work, finish in flight, checkpoint), so node runs as PID 1.
# The V8 heap limits are SERVICE_NODE_FLAGS in deploy/docker/src/bundle.ts (why they are what they are is
# said there); scripts/up runs the same bundle with the same flags, and dockerfile.test.ts keeps the two equal.
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=16", "main.mjs"]

FROM runtime AS gateway
ENV PORT=4567
EXPOSE 4567
COPY --from=build /out/gateway/main.mjs ./main.mjs

FROM runtime AS users
ENV PORT=4571
EXPOSE 4571
COPY --from=build /out/users/main.mjs ./main.mjs

FROM runtime AS messaging
ENV PORT=4572
EXPOSE 4572
COPY --from=build /out/messaging/main.mjs ./main.mjs

FROM runtime AS stream-consumer
ENV PORT=4573
EXPOSE 4573
COPY --from=build /out/stream-consumer/main.mjs ./main.mjs
