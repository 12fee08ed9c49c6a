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
    MOCKMX_SCENARIO=default
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scenarios ./scenarios
COPY schema ./schema
USER node
EXPOSE 2525 2465
# Healthy when the SMTP listener greets with 220.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "const s=require('net').connect(process.env.MOCKMX_SMTP_PORT||2525,'127.0.0.1');s.setTimeout(2000,()=>process.exit(1));s.on('data',d=>process.exit(String(d).startsWith('220')?0:1));s.on('error',()=>process.exit(1))"]
CMD ["node", "dist/src/cli.js"]
