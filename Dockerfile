# nova-advisor image: build the TypeScript in one stage, run the compiled service as a non-root user.
# The runtime stage carries osinfo-db so guest-OS answers come from the osinfo database (src/osinfo).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build and the embedded database's template) needs the sources; they follow, and the
# runtime stage makes the template.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build.mjs ./scripts/
# dist/ with the web page's files beside the compiled code, as src/api/routes/web.ts reads them (scripts/build.mjs).
RUN npm run build

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends osinfo-db \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data OSINFO_DB_PATH=/usr/share/osinfo
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
# The embedded database's template (src/store/pglite-template.ts), made once here: the container's first start in an
# empty /data copies it instead of running initdb. What `npm ci`'s `prepare` does in a clone.
RUN node -e "import('./dist/store/pglite-template.js').then((t) => t.ensureTemplate()).then((r) => { if (!r.kept) process.exit(1); })"
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# V8's options as npm start gives them (README "Start it"): a young generation of 32 MB a semi-space, no memory reducer,
# an old generation allowed to double after each full collection, and no allocation straight into it (pretenuring).
CMD ["node", "--max-semi-space-size=32", "--no-memory-reducer", "--heap-growing-percent=100", "--no-allocation-site-pretenuring", "bin/nova-advisor.js", "serve"]
