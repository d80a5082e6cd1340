# syntax=docker/dockerfile:1
# Build stage: full dev dependencies, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

# Runtime stage: Chromium for invoice PDFs, non-root user, compiled code only.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-dejavu-core ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production CHROME_PATH=/usr/bin/chromium TOLLGATE_DATA_DIR=/var/lib/tollgate PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
RUN useradd --system --uid 10001 --home /var/lib/tollgate tollgate && mkdir -p /var/lib/tollgate && chown tollgate /var/lib/tollgate
USER tollgate
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/apps/cli/src/main.js"]
CMD ["start"]
