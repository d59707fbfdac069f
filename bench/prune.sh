#!/usr/bin/env bash
# Prune benchmark: `ecs-ship prune --keep K` vs the AWS CLI doing the same work by hand
# (`aws ecs list-task-definitions` every page, then `aws ecs deregister-task-definition` for
# each revision beyond the newest K), for one family of N revisions (default 500) on one local
# moto server per tool (scripts/moto_server.py; its call counter gives the API calls). Prints
# wall time and AWS API calls per tool, and the ratios.
#
#   bash bench/prune.sh [N] [K]        # default: 500 10
#   TOOLS=ecs-ship bash bench/prune.sh  # one tool only (the CLI loop takes minutes at N=500)
#
# The CLI loop checks nothing: it would deregister the revision service `old` runs, so the
# loop is given that revision to skip (what a careful script must find out by itself).
# ecs-ship reads every service, task and rule itself, and its figures include those reads.
#
# Needs: target/release/ecs-ship (built if missing; ECS_SHIP_BIN=PATH measures another build)
# and .venv with moto, awscli (bash scripts/ensure-venv). Loopback only; dummy credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-500}
K=${2:-10}
PY="$ROOT/.venv/bin/python"
AWS="$ROOT/.venv/bin/aws"
BIN="${ECS_SHIP_BIN:-$ROOT/target/release/ecs-ship}"
[ -x "$BIN" ] || cargo build --release --quiet

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true CI=true
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

now() { "$PY" -c 'import time; print(time.time())'; }

# The AWS CLI by hand: every page of ACTIVE revisions, then one deregister per old revision.
aws_cli() {
  local in_use=$1 revision
  # The CLI follows every nextToken itself; the revisions are sorted here, newest first.
  "$AWS" ecs list-task-definitions --family-prefix web --status ACTIVE \
    --query 'taskDefinitionArns[]' --output text | tr '\t' '\n' | grep -E '/web:[0-9]+$' |
    sed 's/.*://' | sort -rn | tail -n +"$((K + 1))" | grep -vx "$in_use" |
    while read -r revision; do
      "$AWS" ecs deregister-task-definition --task-definition "web:$revision" >/dev/null
    done
}

ecs_ship() {
  "$BIN" prune --cluster bench --service web --keep "$K" --output json
}

# measure NAME COMMAND...: a fresh stand-in, the command, "NAME seconds calls lists deregisters".
measure() {
  local name=$1; shift
  exec {moto_out}< <("$PY" scripts/moto_server.py --port 0 2>/dev/null & echo "pid $!"; wait)
  read -r -u "$moto_out" _ moto_pid
  read -r -u "$moto_out" line
  export AWS_ENDPOINT_URL=${line#moto ready on }
  "$PY" bench/prune_world.py setup "$N"
  "$PY" bench/prune_world.py reset
  local start end
  start=$(now)
  if ! "$@" >/tmp/ecs-ship-prune-bench.out 2>&1; then
    echo "$name failed:" >&2; tail -20 /tmp/ecs-ship-prune-bench.out >&2; return 1
  fi
  end=$(now)
  read -r total lists deregisters < <("$PY" bench/prune_world.py calls)
  "$PY" bench/prune_world.py check "$N" "$K"
  kill "$moto_pid" 2>/dev/null || true
  exec {moto_out}<&-
  printf '%s %.2f %s %s %s\n' "$name" "$("$PY" -c "print($end - $start)")" "$total" "$lists" "$deregisters"
}

RESULTS=()
for tool in ${TOOLS:-ecs-ship aws-cli}; do
  case $tool in
    ecs-ship) RESULTS+=("$(measure ecs-ship ecs_ship)") ;;
    aws-cli) RESULTS+=("$(measure aws-cli aws_cli "$((N / 5))")") ;;
  esac
  echo "${RESULTS[-1]}" >&2
done

echo
echo "family of $N revisions, keep $K (and the one service \`old\` runs): $((N - K - 1)) deregistered"
echo
echo "| tool | wall time (s) | API calls | ListTaskDefinitions | DeregisterTaskDefinition | time vs ecs-ship | calls vs ecs-ship |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${RESULTS[@]}"; do
  read -r name secs total lists deregisters <<<"$row"
  if [ "$name" = "${RESULTS[0]%% *}" ]; then base_secs=$secs base_calls=$total; fi
  printf '| %s | %s | %s | %s | %s | %sx | %sx |\n' "$name" "$secs" "$total" "$lists" "$deregisters" \
    "$("$PY" -c "print(f'{$secs / $base_secs:.1f}')")" "$("$PY" -c "print(f'{$total / $base_calls:.1f}')")"
done
