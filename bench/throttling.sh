#!/usr/bin/env bash
# Throttling benchmark: ecs-ship deploy against an ECS stand-in that throttles as ECS does
# (bench/throttle_world.py: token buckets per action, or a run of throttled DescribeServices).
# Prints wall time, calls and throttled calls per scenario:
#
#   1 service, no throttling                               (the baseline)
#   1 service, 8 DescribeServices in a row throttled       (mid-wait, --poll-interval 1s)
#   25 services, UpdateService 5 + 2/s, DescribeServices 2 + 2/s buckets
#   200 services, no throttling                            (DescribeServices per poll round)
#
#   bash bench/throttling.sh
#
# The peer, when .venv has the AWS CLI (bash scripts/ensure-venv --peers): the same scenarios as
# a script does them, `aws ecs update-service` per service then `aws ecs wait services-stable`
# (10 services a call), AWS CLI defaults (legacy retry mode). PEERS=0 skips it.
#
# Needs python3 and an ecs-ship build (ECS_SHIP_BIN, default target/release/ecs-ship, built if
# missing). Loopback only; dummy credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ECS_SHIP_BIN:-$PWD/target/release/ecs-ship}"
[ -x "$BIN" ] || cargo build --release --quiet
PY="${PYTHON:-python3}"
PORT="${PORT:-18555}"
AWS="${AWS_CLI:-$PWD/.venv/bin/aws}"
PEERS="${PEERS:-1}"
[ -x "$AWS" ] || PEERS=0

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CI=true AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_MAX_ATTEMPTS

now() { "$PY" -c 'import time; print(time.time())'; }

services() { "$PY" -c "import sys; print(','.join(f'svc-{i:03d}' for i in range(1, int(sys.argv[1]) + 1)))" "$1"; }

# ecs_ship N [ECS-SHIP OPTIONS...]: one deploy of svc-001..N to web:2.
ecs_ship() {
  local n=$1; shift
  "$BIN" deploy --cluster bench --service "$(services "$n")" --task-definition web:2 "$@"
}

# aws_cli N: what a deploy script does with the AWS CLI.
aws_cli() {
  local n=$1 list
  IFS=, read -r -a list <<<"$(services "$n")"
  for svc in "${list[@]}"; do
    "$AWS" ecs update-service --cluster bench --service "$svc" --task-definition web:2 >/dev/null
  done
  for ((i = 0; i < ${#list[@]}; i += 10)); do
    "$AWS" ecs wait services-stable --cluster bench --services "${list[@]:i:10}"
  done
}

# scenario TOOL NAME N [STAND-IN OPTIONS...] -- [TOOL OPTIONS...]: one stand-in, one deploy.
scenario() {
  local tool=$1 name=$2 n=$3; shift 3
  local world=() options=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do world+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  options=("$@")
  "$PY" bench/throttle_world.py "$PORT" "$n" "${world[@]}" &
  local pid=$!
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/calls" >/dev/null 2>&1 && break
    sleep 0.1
  done
  local start end status=0
  start=$(now)
  case $tool in
    ecs-ship) ecs_ship "$n" "${options[@]}" ;;
    aws-cli) aws_cli "$n" ;;
  esac >/tmp/ecs-ship-throttling.out 2>&1 || status=$?
  end=$(now)
  local calls
  calls=$(curl -sf "http://127.0.0.1:$PORT/calls")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  "$PY" - "$tool" "$name" "$n" "$start" "$end" "$status" "$calls" <<'EOF'
import json, sys
tool, name, n, start, end, status, calls = sys.argv[1:]
calls = json.loads(calls)
c, t = calls["calls"], calls["throttled"]
print(f"| {name} | {n} | {tool} | {float(end) - float(start):.2f} | {status} | "
      f"{c.get('UpdateService', 0)} ({t.get('UpdateService', 0)} throttled) | "
      f"{c.get('DescribeServices', 0)} ({t.get('DescribeServices', 0)} throttled) |")
EOF
}

# both NAME N [STAND-IN OPTIONS...] -- [ECS-SHIP OPTIONS...]: ecs-ship, then the peer.
both() {
  scenario ecs-ship "$@"
  if [ "$PEERS" = 1 ]; then
    local world=()
    for arg in "$@"; do [ "$arg" = -- ] && break; world+=("$arg"); done
    scenario aws-cli "${world[@]}" --
  fi
}

echo "| scenario | services | tool | wall time (s) | exit | UpdateService calls | DescribeServices calls |"
echo "|---|---:|---|---:|---:|---:|---:|"
both "no throttling" 1 -- --poll-interval 1s
both "8 DescribeServices throttled in a row" 1 --throttle-polls 3:8 -- --poll-interval 1s
both "buckets: UpdateService 5+2/s, DescribeServices 2+2/s" 25 \
  --bucket UpdateService=5:2 --bucket DescribeServices=2:2 --
scenario ecs-ship "no throttling, default --poll-interval" 1 --
scenario ecs-ship "no throttling, default --poll-interval" 200 --
