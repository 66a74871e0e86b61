# kafka-mirror-engine: the `kafka-mirror` engine and the `commit-log-producer` CLI in one image.
# Used by docker-compose.yml (services mirror-engine and producer).
FROM node:20-bookworm-slim

# Toolchain + OpenSSL/zlib/zstd headers: @confluentinc/kafka-javascript falls back to building
# librdkafka when its prebuilt binary cannot be downloaded (CKJS_LINKING=dynamic builds against these).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential python3 libssl-dev zlib1g-dev libzstd-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/check-librdkafka.mjs ./scripts/
ENV CKJS_LINKING=dynamic
RUN npm ci --omit=dev --no-audit --no-fund

COPY tsconfig.json ./
COPY bin ./bin
COPY engine ./engine
COPY producer-cli ./producer-cli
COPY testkit ./testkit

ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/kafka-mirror.js"]
CMD ["--config", "/config/mm2.properties"]
