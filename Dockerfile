# syntax=docker/dockerfile:1
# Production image of every Tollgate app (all-in-one `tollgate start`, or gateway / portal / projector
# alone: see docker-compose.yml). Multi-stage: the build stage has the dev dependencies and compiles;
# the runtime stage has production dependencies, the compiled code, Chromium for invoice PDFs, and
# runs as an unprivileged user.

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded PostgreSQL binaries are a dev convenience; production always sets DATABASE_URL.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime
# Chromium renders invoice PDFs (puppeteer-core drives it); tini reaps it and forwards SIGTERM to node.
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    CHROME_PATH=/usr/bin/chromium \
    TOLLGATE_DATA_DIR=/var/lib/tollgate \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
RUN groupadd --system --gid 10001 tollgate \
  && useradd --system --uid 10001 --gid tollgate --home-dir /var/lib/tollgate --shell /usr/sbin/nologin tollgate \
  && mkdir -p /var/lib/tollgate \
  && chown tollgate:tollgate /var/lib/tollgate
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
USER 10001:10001
EXPOSE 8080
# Every app answers /healthz on PORT (the projector too).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# All-in-one by default; compose runs each app alone with its own command.
CMD ["node", "dist/apps/cli/src/main.js", "start"]
