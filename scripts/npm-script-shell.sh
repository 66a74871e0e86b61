#!/bin/sh
# npm runs every lifecycle script (ours and our dependencies' install scripts) through this shell
# (see .npmrc script-shell). It only defaults CKJS_LINKING=dynamic: when the prebuilt librdkafka
# binary of @confluentinc/kafka-javascript cannot be downloaded, its fallback build then links the
# system OpenSSL/zlib/zstd instead of downloading their sources (which fails offline).
export CKJS_LINKING="${CKJS_LINKING:-dynamic}"
exec /bin/sh "$@"
