# Tandem gateway image: `docker build -t tandem .`, configured only by TANDEM_ variables.
# The same image runs the demo origin (`node dist/demo/main.js`), as docker-compose.yml does.

# Build stage: all dependencies, compile TypeScript and bundle the browser code.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# Production dependencies only from here on; test and bench output is not shipped.
RUN npm prune --omit=dev --no-audit --no-fund
# uWebSockets.js ships a binary for every platform and Node version (130 MB): keep this image's.
RUN node -e "const fs=require('node:fs'),path=require('node:path');const dir=path.join('node_modules','uWebSockets.js','dist','bin');const keep='uws_'+process.platform+'_'+process.arch+'_'+process.versions.modules+'.node';if(!fs.existsSync(path.join(dir,keep)))throw new Error('no uWS binary '+keep);for(const f of fs.readdirSync(dir))if(f!==keep)fs.rmSync(path.join(dir,f))"
RUN mkdir -p var

# Runtime stage: Node and the production tree only, running as the unprivileged `node` user.
FROM node:22-slim
ENV NODE_ENV=production \
    TANDEM_HOST=0.0.0.0 \
    TANDEM_PORT=8080 \
    TANDEM_OPERATORS=/app/var/operators.jsonl
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/protocol ./dist/protocol
COPY --from=build /app/dist/store ./dist/store
COPY --from=build /app/dist/demo ./dist/demo
COPY --from=build /app/dist/gateway ./dist/gateway
COPY --from=build /app/dist/inject ./dist/inject
# The only place the process writes (the operators file); mount a volume here to keep it.
COPY --from=build --chown=node:node /app/var ./var
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
# No curl in slim images: Node asks /__tandem/healthz itself, over https when the gateway
# terminates TLS (the certificate is the gateway's own, so it is not verified here).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "const tls=!!process.env.TANDEM_TLS_CERT;const req=require(tls?'node:https':'node:http').get({host:'127.0.0.1',port:process.env.TANDEM_PORT||8080,path:'/__tandem/healthz',rejectUnauthorized:false,timeout:2500},(res)=>process.exit(res.statusCode===200?0:1));req.on('timeout',()=>process.exit(1));req.on('error',()=>process.exit(1))"]
CMD ["node", "dist/gateway/main.js"]
