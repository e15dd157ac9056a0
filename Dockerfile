# The Pulseboard server (packages/server). The simulator can run from the same
# image (see docker-compose.yml, profile "simulator").
#
#   docker build -t pulseboard-server .
#   docker run -p 8090:8090 -e PULSE_READ_TOKENS=... -e PULSE_WORKER_TOKENS=... pulseboard-server
FROM node:20-bookworm-slim

WORKDIR /app

# Manifests first, so dependency layers are reused while only sources change.
# Every workspace's package.json must be present for `npm ci`.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/reporter/package.json packages/reporter/
COPY packages/server/package.json packages/server/
COPY packages/widgets/package.json packages/widgets/
COPY packages/bullmq/package.json packages/bullmq/
COPY demo/package.json demo/
# Full install: the build needs TypeScript, the simulator runs through tsx (root devDependencies).
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.base.json ./
COPY packages/protocol/tsconfig.build.json packages/protocol/
COPY packages/protocol/src packages/protocol/src
COPY packages/reporter/tsconfig.build.json packages/reporter/
COPY packages/reporter/src packages/reporter/src
COPY packages/server/tsconfig.build.json packages/server/
COPY packages/server/src packages/server/src
# The server runs compiled, as the published package does; this builds the reporter (ESM) too,
# which the server re-exports and the simulator uses.
RUN npx tsc -b packages/server/tsconfig.build.json
COPY demo/simulator.ts demo/simulate.ts demo/

# Inside a container the server must listen on every interface; the CLI then
# refuses to start without read and worker tokens unless PULSE_ALLOW_ANONYMOUS=1.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8090
EXPOSE 8090
USER node
HEALTHCHECK --interval=10s --timeout=3s \
  CMD ["sh", "-c", "node -e \"fetch('http://127.0.0.1:${PORT:-8090}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\""]
CMD ["node", "packages/server/dist/cli.js"]
