# mockmx container: build the TypeScript, then run it as a non-root user.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
    MOCKMX_HOST=0.0.0.0 \
    MOCKMX_SMTP_PORT=2525 \
    MOCKMX_HTTP_PORT=8025 \
    MOCKMX_SCENARIO=default
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scenarios ./scenarios
COPY schema ./schema
USER node
EXPOSE 2525 2465 8025
# Healthy when the HTTP API answers /healthz (it reports the SMTP listener too).
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MOCKMX_HTTP_PORT||8025)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/cli.js"]
