# Longshore controller image. Build: docker build -t longshore .
# Run:   docker run -e REDIS_URL=redis://redis:6379 -p 9464:9464 longshore controller
# Only the product goes in: the CLI entry point, controller/, reconcilers/ and machines/ (tsconfig.build.json),
# and the API client package (client/, which the CLI uses when LONGSHORE_SERVER is set; its sources only).
# The simulator package (simulator/), the tests, the demo and the benchmark are never copied, so nothing in
# the image can import them.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/package.json
# The lockfile names the simulator workspace; without its folder npm ci leaves a dangling link, which the
# prune below removes (it is a devDependency).
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
# The git revision `longshore version` reports (there is no .git here):
# docker build --build-arg LONGSHORE_REVISION=$(git rev-parse HEAD) -t longshore .
ARG LONGSHORE_REVISION=
RUN npx tsc -b client && npx tsc -p tsconfig.build.json && bash scripts/stamp-build.sh && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# A container's loopback is unreachable from outside it: publish the health and metrics endpoint on every
# interface here (the binary's own default is 127.0.0.1). It has no authentication; see docs/operations.md.
ENV LONGSHORE_METRICS_HOST=0.0.0.0
ENV LONGSHORE_API_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# node_modules/@longshore/client is a workspace link to client/: its manifest and build.
COPY --from=build /app/client/package.json client/package.json
COPY --from=build /app/client/dist/src client/dist/src
COPY package.json ./
USER node
ENTRYPOINT ["node", "dist/cmd/longshore.js"]
CMD ["controller"]
