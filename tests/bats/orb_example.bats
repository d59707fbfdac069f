#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154 # fixtures hold shell text for later expansion; bats sets $stderr
# The orb's examples run as CircleCI runs them (tests/orb/run_example.py): jobs expanded with
# their parameters, `when` conditions and the orb's commands, each `run` step in bash with its
# environment map and $BASH_ENV, the binary installed by the orb's `install` command from a
# release mirror on 127.0.0.1 (the jobs' `base_url`) and cached between jobs. The binary is a
# stand-in that records its arguments and ECS_SHIP_* variables: nothing reaches AWS.

bats_require_minimum_version 1.5.0

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
RUNNER="$ROOT/tests/orb/run_example.py"
REV=0123456789abcdef0123456789abcdef01234567

load loopback

setup_file() {
  export PY="${PYTHON:-$ROOT/.venv/bin/python}"
  "$PY" "$ROOT/scripts/orb_tool.py" pack "$ROOT/orb/src" "$BATS_FILE_TMPDIR/orb.yml" >/dev/null
  export RELEASE="$BATS_FILE_TMPDIR/www/v0.1.0"
  mkdir -p "$RELEASE" "$BATS_FILE_TMPDIR/stage"
  cat >"$BATS_FILE_TMPDIR/stage/ecs-ship" <<'SH'
#!/bin/sh
# Stand-in for ecs-ship: one line per call, with every ECS_SHIP_* variable that is set.
if [ "${1:-}" = --version ]; then echo "ecs-ship 0.1.0"; exit 0; fi
case "${1:-} ${2:-}" in
  "ecr login") echo 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com ;;
  "ecr resolve") echo "not found" >&2; exit 1 ;;
esac
{
  printf 'ecs-ship %s |' "$*"
  env | grep '^ECS_SHIP_' | grep -v '^ECS_SHIP_INSTALL_' | LC_ALL=C sort | tr '\n' '|'
  echo
} >>"$ORB_CALLS"
exit "${FAKE_EXIT:-0}"
SH
  chmod 0755 "$BATS_FILE_TMPDIR/stage/ecs-ship"
  pack_release
  serve_release "$BATS_FILE_TMPDIR/www"
}

teardown_file() {
  stop_serving_release
}

setup() {
  loopback_only
  # World-traversable, as the steps run as nobody when the tests run as root.
  WORK="$(mktemp -d /tmp/ecs-ship-orb-example.XXXXXX)"
  chmod 0755 "$WORK"
  export ORB_CALLS="$WORK/calls"
  : >"$ORB_CALLS"
  chmod 0666 "$ORB_CALLS"
  # Build jobs need docker: a stand-in that records its calls and writes buildx's metadata file.
  mkdir -p "$WORK/bin"
  cat >"$WORK/bin/docker" <<'SH'
#!/bin/sh
echo "docker $*" >>"$ORB_CALLS"
prev=""
for a; do
  if [ "$prev" = --metadata-file ]; then
    printf '{"containerimage.digest": "sha256:%s"}' "$(printf 'a%.0s' $(seq 64))" >"$a"
  fi
  prev="$a"
done
SH
  chmod 0755 "$WORK/bin" "$WORK/bin/docker"
  export PATH="$WORK/bin:$PATH"
  : >"$REQUEST_LOG"
}

teardown() {
  rm -rf "$WORK"
}

# example NAME WORKFLOW [ARGS...]: runs it; $output is the per-job JSON, $stderr the steps' log.
example() {
  local name=$1 workflow=$2
  shift 2
  run --separate-stderr "$PY" "$RUNNER" "$BATS_FILE_TMPDIR/orb.yml" "$name" "$workflow" "$WORK" \
    --revision "$REV" --set "base_url=http://127.0.0.1:$PORT/v0.1.0" \
    --env "ECS_SHIP_BASE_URL=http://127.0.0.1:$PORT/v0.1.0" "$@"
}

@test "stg_and_prod_pipeline: migrate-stg then deploy-stg reach ecs-ship with the example's settings" {
  example stg_and_prod_pipeline deploy-stg --only migrate-stg,deploy-stg
  echo "$stderr"
  echo "$output"
  [ "$status" -eq 0 ]
  cat "$ORB_CALLS"
  [ "$(wc -l <"$ORB_CALLS")" -eq 2 ]
  migrate="$(sed -n 1p "$ORB_CALLS")"
  deploy="$(sed -n 2p "$ORB_CALLS")"
  [[ "$migrate" == "ecs-ship run-task |"* ]]
  [[ "$migrate" == *"|ECS_SHIP_ENV=stg|"* ]]
  [[ "$migrate" == *"|ECS_SHIP_IMAGE=hoge-stg=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/hoge-stg:$REV|"* ]]
  [[ "$migrate" == *"|ECS_SHIP_COMMAND=rails db:migrate|"* ]]
  [[ "$migrate" == *"|ECS_SHIP_NOTIFY=false|"* ]]
  [[ "$deploy" == "ecs-ship deploy |"* ]]
  [[ "$deploy" == *"|ECS_SHIP_CONTAINER_IMAGE_NAME_UPDATES=container=hoge-stg,tag=$REV|"* ]]
  [[ "$deploy" == *"|ECS_SHIP_MAX_POLL_ATTEMPTS=300|"* ]]
  [[ "$deploy" == *"|ECS_SHIP_POLL_INTERVAL=10|"* ]]
  [[ "$deploy" == *"|ECS_SHIP_NOTIFY=true|"* ]]
  # Parameters the example leaves out reach the binary empty, leaving them to ecs-ship.toml.
  [[ "$deploy" == *"|ECS_SHIP_CLUSTER=|"* ]]
  # Installed once from the mirror (checksum-verified), then from the cache the first job saved.
  [ "$(grep -c 'GET /v0.1.0/ecs-ship-' "$REQUEST_LOG")" -eq 1 ]
  [[ "$output" == *'"restore_cache": "ecs-ship-v1-0.1.0-{{ arch }}",'*'"hit": true'* ]]
}

@test "every workflow of every example expands and runs against the stand-in" {
  for example in $("$PY" -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["examples"]))' "$BATS_FILE_TMPDIR/orb.yml"); do
    for workflow in $("$PY" -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["examples"][sys.argv[2]]["usage"].get("workflows", {})))' "$BATS_FILE_TMPDIR/orb.yml" "$example"); do
      : >"$ORB_CALLS"
      example "$example" "$workflow"
      echo "== $example $workflow: $status"
      echo "$output"
      [ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
      # Each workflow reaches ecs-ship, installed from the mirror only.
      grep -q '^ecs-ship ' "$ORB_CALLS"
      [[ "$stderr" != *"github.com"* ]]
    done
  done
}

@test "a failing ecs-ship fails its job and stops the workflow" {
  FAKE_EXIT=3 example stg_and_prod_pipeline deploy-stg --only migrate-stg,deploy-stg
  [ "$status" -eq 1 ]
  [ "$(wc -l <"$ORB_CALLS")" -eq 1 ]
  [[ "$output" == *'"exit_code": 3'* ]]
  [[ "$output" != *'"name": "deploy-stg"'* ]]
}
