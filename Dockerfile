# syntax=docker/dockerfile:1
#
# Billing service image.
#
#   docker build -t stripe-billing-service .
#   docker run -p 3000:3000 -e DATABASE_URL=postgresql://... stripe-billing-service
#
# With no STRIPE_SECRET_KEY the container runs in sandbox mode (the Stripe emulator in-process,
# or the one at STRIPE_API_BASE). The same image runs the emulator alone:
#   docker run -p 12111:12111 stripe-billing-service node dist/emulator/src/main.js --host 0.0.0.0
# With one, it runs against Stripe and needs DATABASE_URL, STRIPE_WEBHOOK_SECRETS and JWT_SECRET
# or JWT_JWKS_URL; apply migrations first with `node dist/src/cli/migrate.js` (docker-compose.yml
# does this in its `migrate` service). Every variable: docs/configuration.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, Prisma client generation, TypeScript compile ----
FROM ${NODE_IMAGE} AS build
# No install-time telemetry from dependencies (package.json also sets scarfSettings and denies
# @scarf/scarf its install script).
ENV SCARF_ANALYTICS=false
WORKDIR /app
# The workspaces' manifests too: npm installs the client package's and the demo's dependencies.
COPY package.json package-lock.json ./
COPY client/package.json ./client/
COPY web/package.json ./web/
RUN npm install --no-audit --no-fund
COPY . .
# `npm run build` = scripts/prisma-generate.js (the Prisma client, generated into src/generated
# with no engine download), `nest build` into dist/, then the client package and the demo
# frontend (web/dist, served at / in sandbox mode).
RUN npm run build

# ---- production dependencies only ----
FROM ${NODE_IMAGE} AS deps
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
COPY web/package.json ./web/
RUN npm install --no-audit --no-fund --omit=dev

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Application files stay owned by root and read-only for the `node` user.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations are read at runtime (by the migrate command, and at start to check or apply them).
COPY prisma ./prisma
COPY package.json ./
# The sandbox catalog the emulator is seeded with in sandbox mode, and the demo frontend.
COPY emulator/catalog ./emulator/catalog
COPY --from=build /app/web/dist ./web/dist
# The one writable folder: the sandbox JWT secret, the emulator's state and, without
# DATABASE_URL, the embedded PostgreSQL data live in .data/ under the working directory.
# (.data/emulator exists in the image so that a volume mounted there starts owned by `node`.)
RUN mkdir -p /app/.data/emulator && chown -R node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Small young-generation semi-spaces, an old generation sized for the service's live set (about
# 50 MB; V8 otherwise sizes it by the machine's memory and lets garbage grow to 3-4× that under
# load), two malloc arenas and fixed malloc trim/mmap thresholds keep resident memory low (see
# docs/configuration.md, "Runtime").
ENV MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/src/main.js"]
