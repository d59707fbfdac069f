#!/usr/bin/env bash
# Status benchmark: `ecs-ship status --all` vs the awscli reads that answer part of the same
# question (`aws ecs list-services`, `aws ecs describe-services` per 10 services, `aws
# application-autoscaling describe-scalable-targets`; no images, no deployment stages), against
# one local moto server per size. Each service runs its own family (N distinct revisions, the
# worst case) with HISTORY older revisions: calls must not grow with HISTORY. Prints wall time
# and AWS API calls per tool.
#
#   bash bench/status.sh [SIZES...]        # default: 50; HISTORY=20 by default
#
# Needs: target/release/ecs-ship (built if missing; ECS_SHIP_BIN=PATH measures another build) and
# .venv with moto, boto3, awscli (bash scripts/ensure-venv; PYTHON=PATH for another venv).
# Loopback only; dummy credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("${@:-50}")
read -r -a SIZES <<<"${SIZES[*]}"
HISTORY="${HISTORY:-20}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
AWS="$(dirname "$PY")/aws"
BIN="${ECS_SHIP_BIN:-$ROOT/target/release/ecs-ship}"
[ -x "$BIN" ] || cargo build --release --quiet

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CI=true
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

now() { "$PY" -c 'import time; print(time.time())'; }

# measure NAME N COMMAND...: runs COMMAND, prints "NAME N seconds calls by-action".
measure() {
  local name=$1 n=$2; shift 2
  "$PY" bench/status_world.py reset
  local start end
  start=$(now)
  if ! "$@" >/tmp/ecs-ship-bench-status.out 2>&1; then
    echo "$name failed for N=$n:" >&2; tail -20 /tmp/ecs-ship-bench-status.out >&2; return 1
  fi
  end=$(now)
  read -r total by_action < <("$PY" bench/status_world.py calls)
  printf '%s %s %.2f %s %s\n' "$name" "$n" "$("$PY" -c "print($end - $start)")" "$total" "$by_action"
}

aws_cli() {
  local n=$1
  local list=($(seq -f 'svc-%02g' 1 "$n"))
  "$AWS" ecs list-services --cluster bench >/dev/null
  # describe-services takes at most 10 services per call.
  for ((i = 0; i < n; i += 10)); do
    "$AWS" ecs describe-services --cluster bench --services "${list[@]:i:10}" >/dev/null
  done
  "$AWS" application-autoscaling describe-scalable-targets --service-namespace ecs >/dev/null
}

RESULTS=()
for n in "${SIZES[@]}"; do
  exec {moto_out}< <("$PY" scripts/moto_server.py --port 0 2>/dev/null & echo "pid $!"; wait)
  read -r -u "$moto_out" _ moto_pid
  read -r -u "$moto_out" line
  export AWS_ENDPOINT_URL=${line#moto ready on }
  "$PY" bench/status_world.py setup "$n" "$HISTORY"
  RESULTS+=("$(measure ecs-ship "$n" "$BIN" status --cluster bench --all --output json)")
  RESULTS+=("$(measure aws-cli "$n" aws_cli "$n")")
  kill "$moto_pid" 2>/dev/null || true
  exec {moto_out}<&-
done

echo
echo "| services | tool | wall time (s) | API calls | calls by action | time vs ecs-ship |"
echo "|---:|---|---:|---:|---|---:|"
for row in "${RESULTS[@]}"; do
  read -r name n secs total by_action <<<"$row"
  if [ "$name" = ecs-ship ]; then base_secs=$secs; fi
  printf '| %s | %s | %s | %s | `%s` | %sx |\n' "$n" "$name" "$secs" "$total" "$by_action" \
    "$("$PY" -c "print(f'{$secs / $base_secs:.1f}')")"
done
