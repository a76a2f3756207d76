# Longshore controller image. Build: docker build -t longshore .
# Run:   docker run -e REDIS_URL=redis://redis:6379 -p 9464:9464 longshore controller
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY cmd cmd
COPY controller controller
COPY reconcilers reconcilers
COPY machines machines
COPY simulator simulator
COPY test test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
USER node
ENTRYPOINT ["node", "dist/cmd/longshore.js"]
CMD ["controller"]
