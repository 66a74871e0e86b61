#!/usr/bin/env bash
# Seed 004's session against kafka-mirror's Connect-style worker, with plain curl (no jq needed).
#
#   node bin/kafka-mirror.js --worker worker.properties &      # listeners=http://127.0.0.1:8083
#   MM2_CONNECT_URL=http://127.0.0.1:8083 SOURCE_BOOTSTRAP=127.0.0.1:9092 TARGET_BOOTSTRAP=127.0.0.1:9093 \
#     scenarios/connect-worker-demo.sh
#
# Registers the three connectors of scenarios/connect/ (IdentityReplicationPolicy, source -> target), shows
# their status, pauses and resumes the source connector, and (with DELETE_AT_END=1) deletes them again.
# Every request is echoed as `$ curl …` followed by the HTTP status and the response body.
set -euo pipefail
URL=${MM2_CONNECT_URL:-http://127.0.0.1:8083}
HERE=$(cd "$(dirname "$0")" && pwd)
export SOURCE_BOOTSTRAP=${SOURCE_BOOTSTRAP:-127.0.0.1:9092} TARGET_BOOTSTRAP=${TARGET_BOOTSTRAP:-127.0.0.1:9093}
export TOPICS=${TOPICS:-orders.*} GROUP_PATTERN=${GROUP_PATTERN:-.*}

call() { # call METHOD PATH [JSON]
  local method=$1 path=$2 body=${3:-}
  if [[ -n $body ]]; then
    echo "\$ curl -s -X $method $URL$path -H 'Content-Type: application/json' -d @-  <<< '$(tr -d '\n' <<< "$body" | tr -s ' ')'"
    curl -s -w '\n# HTTP %{http_code}\n' -X "$method" "$URL$path" -H 'Content-Type: application/json' --data-binary @- <<< "$body"
  else
    echo "\$ curl -s -X $method $URL$path"
    curl -s -w '\n# HTTP %{http_code}\n' -X "$method" "$URL$path"
  fi
  echo
}
fill() { sed -e "s|\${SOURCE_BOOTSTRAP}|$SOURCE_BOOTSTRAP|g" -e "s|\${TARGET_BOOTSTRAP}|$TARGET_BOOTSTRAP|g" -e "s|\${TOPICS}|$TOPICS|g" -e "s|\${GROUP_PATTERN}|$GROUP_PATTERN|g" "$1"; }
wait_state() { # wait_state NAME STATE (up to 60 s)
  for _ in $(seq 1 300); do
    curl -s "$URL/connectors/$1/status" | grep -q "\"connector\":{\"state\":\"$2\"" && return 0
    sleep 0.2
  done
  echo "connector $1 did not reach $2" >&2; return 1
}

call GET /
call GET /connectors
for kind in source checkpoint heartbeat; do call POST /connectors "$(fill "$HERE/connect/mm2-$kind-connector.json")"; done
for name in mm2-source mm2-checkpoint mm2-heartbeat; do wait_state $name RUNNING; done
call GET '/connectors?expand=status'
call GET /connectors/mm2-source/status
call PUT /connectors/mm2-source/pause
wait_state mm2-source PAUSED
call GET /connectors/mm2-source/status
call PUT /connectors/mm2-source/resume
wait_state mm2-source RUNNING
call GET /connectors/mm2-source/status
call GET /connectors/mm2-source/topics
call GET /connectors/mm2-source/offsets
call GET /connectors/does-not-exist/status
call PUT /connectors/mm2-checkpoint/config '{"connector.class":"MirrorCheckpointConnector","source.cluster.alias":"source","target.cluster.alias":"target","source.cluster.bootstrap.servers":"'"$SOURCE_BOOTSTRAP"'","target.cluster.bootstrap.servers":"'"$TARGET_BOOTSTRAP"'","emit.checkpoints.interval.seconds":"soon"}'
if [[ ${DELETE_AT_END:-0} == 1 ]]; then
  for name in mm2-source mm2-checkpoint mm2-heartbeat; do call DELETE /connectors/$name; done
  call GET /connectors
fi
