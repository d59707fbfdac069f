#!/usr/bin/env bash
# Deploy benchmark: ecs-ship deploy vs `aws ecs update-service` + `aws ecs wait services-stable`
# vs `ecs deploy` (PyPI ecs-deploy), for 1, 10 and 50 services, against one local moto server
# per size (scripts/moto_server.py --roll-deployments: UpdateService starts a deployment that
# completes on the second DescribeServices). Prints wall time and AWS API calls per tool.
#
#   bash bench/deploy.sh [SIZES...]        # default: 1 10 50
#
# Needs: target/release/ecs-ship (built if missing; ECS_SHIP_BIN=PATH measures another build) and .venv with moto, awscli, ecs-deploy
# (bash scripts/ensure-venv). Loopback only; dummy credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("${@:-1 10 50}")
read -r -a SIZES <<<"${SIZES[*]}"
PY="$ROOT/.venv/bin/python"
BIN="${ECS_SHIP_BIN:-$ROOT/target/release/ecs-ship}"
[ -x "$BIN" ] || cargo build --release --quiet

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CI=true
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
REPO=123456789012.dkr.ecr.us-east-1.amazonaws.com/app

now() { "$PY" -c 'import time; print(time.time())'; }

# measure NAME N COMMAND...: runs COMMAND, prints "NAME N seconds calls describe_services".
measure() {
  local name=$1 n=$2; shift 2
  "$PY" bench/deploy_world.py reset
  local start end
  start=$(now)
  if ! "$@" >/tmp/ecs-ship-bench.out 2>&1; then
    echo "$name failed for N=$n:" >&2; tail -20 /tmp/ecs-ship-bench.out >&2; return 1
  fi
  end=$(now)
  read -r total describes < <("$PY" bench/deploy_world.py calls)
  printf '%s %s %.2f %s %s\n' "$name" "$n" "$("$PY" -c "print($end - $start)")" "$total" "$describes"
}

services() { seq -f 'svc-%02g' 1 "$1" | paste -sd, -; }

aws_cli() {
  local n=$1 arn
  arn=$("$PY" bench/deploy_world.py register v3)
  for svc in $(seq -f 'svc-%02g' 1 "$n"); do
    "$ROOT/.venv/bin/aws" ecs update-service --cluster bench --service "$svc" --task-definition "$arn" >/dev/null
  done
  # services-stable takes at most 10 services per call.
  local list=($(seq -f 'svc-%02g' 1 "$n"))
  for ((i = 0; i < n; i += 10)); do
    "$ROOT/.venv/bin/aws" ecs wait services-stable --cluster bench --services "${list[@]:i:10}"
  done
}

# ecs-deploy decides "deployed" by counting RUNNING tasks of the new revision through ListTasks +
# DescribeTasks; moto starts no tasks for services, so that wait would never end. It runs with
# --timeout -1 (register + update, no wait): its figures are a lower bound.
ecs_deploy() {
  local n=$1
  for svc in $(seq -f 'svc-%02g' 1 "$n"); do
    "$ROOT/.venv/bin/ecs" deploy bench "$svc" --image app "$REPO:v4" --timeout -1
  done
}

RESULTS=()
for n in "${SIZES[@]}"; do
  exec {moto_out}< <("$PY" scripts/moto_server.py --port 0 --roll-deployments 2>/dev/null & echo "pid $!"; wait)
  read -r -u "$moto_out" _ moto_pid
  read -r -u "$moto_out" line
  export AWS_ENDPOINT_URL=${line#moto ready on }
  "$PY" bench/deploy_world.py setup "$n"
  RESULTS+=("$(measure ecs-ship "$n" "$BIN" deploy --cluster bench --service "$(services "$n")" --image "app=$REPO:v2")")
  "$PY" bench/deploy_world.py check "$n" v2
  RESULTS+=("$(measure aws-cli "$n" aws_cli "$n")")
  "$PY" bench/deploy_world.py check "$n" v3
  RESULTS+=("$(measure ecs-deploy-no-wait "$n" ecs_deploy "$n")")
  "$PY" bench/deploy_world.py check "$n" v4
  kill "$moto_pid" 2>/dev/null || true
  exec {moto_out}<&-
done

echo
echo "| services | tool | wall time (s) | API calls | DescribeServices calls | time vs ecs-ship | calls vs ecs-ship |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for row in "${RESULTS[@]}"; do
  read -r name n secs total describes <<<"$row"
  if [ "$name" = ecs-ship ]; then base_secs=$secs base_calls=$total; fi
  printf '| %s | %s | %s | %s | %s | %sx | %sx |\n' "$n" "$name" "$secs" "$total" "$describes" \
    "$("$PY" -c "print(f'{$secs / $base_secs:.1f}')")" "$("$PY" -c "print(f'{$total / $base_calls:.1f}')")"
done
