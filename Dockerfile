# syntax=docker/dockerfile:1
# The emulator as a container: docker build -t cce-release-emulator . && docker run -p 8080:8080 cce-release-emulator
# It listens on 0.0.0.0 inside the container (127.0.0.1 would be unreachable through -p), keeps
# its SQLite file in the /data volume, runs as the unprivileged `node` user, and handles SIGTERM
# itself as PID 1 (docker stop closes the database cleanly). Settings: CCE_EMULATOR_* variables
# or flags after the image name, e.g. docker run … cce-release-emulator --lifecycle manual.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No scripts yet (prepare would build before the sources are here); the native addon next.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY openapi ./openapi
COPY examples/charts/*.tgz ./examples/charts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CCE_EMULATOR_HOST=0.0.0.0 \
    CCE_EMULATOR_PORT=8080 \
    CCE_EMULATOR_DB=/data/emulator.db \
    CCE_EMULATOR_LOG_FORMAT=json
WORKDIR /opt/cce-release-emulator
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/openapi ./openapi
COPY --from=build /src/examples/charts ./examples/charts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CCE_EMULATOR_PORT || 8080) + '/_emulator/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/cce-release-emulator/dist/bin.cjs"]
CMD []
