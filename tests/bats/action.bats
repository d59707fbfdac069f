#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154 # inputs hold shell text never to be expanded; bats sets $stderr
# action.yml run step by step with bash, as the GitHub runner runs a composite action
# (tests/action/run_action.py), installing the real ecs-ship binary from a release mirror on
# 127.0.0.1 and, for run-task and deploy, against moto on 127.0.0.1. Nothing leaves loopback.

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
ACTION="$ROOT/action.yml"
RUNNER="$ROOT/tests/action/run_action.py"

bats_require_minimum_version 1.5.0

load loopback

setup_file() {
  export PY="${PYTHON:-$ROOT/.venv/bin/python}"
  local bin="${ECS_SHIP_BIN:-$ROOT/target/debug/ecs-ship}"
  case "$bin" in /*) ;; *) bin="$ROOT/$bin" ;; esac
  [ -x "$bin" ] || {
    echo "# $bin missing: cargo build first (or set ECS_SHIP_BIN)" >&3
    return 1
  }
  export BIN="$bin"
  # A release of the binary under test, for this machine's CPU, as scripts/build-release names it.
  export RELEASE="$BATS_FILE_TMPDIR/www/v0.1.0"
  mkdir -p "$RELEASE" "$BATS_FILE_TMPDIR/stage"
  cp "$bin" "$BATS_FILE_TMPDIR/stage/ecs-ship"
  pack_release

  serve_release "$BATS_FILE_TMPDIR/www"
}

teardown_file() {
  stop_serving_release
  if [ -s "$BATS_FILE_TMPDIR/moto.pid" ]; then
    kill "$(cat "$BATS_FILE_TMPDIR/moto.pid")" 2>/dev/null || true
  fi
}

setup() {
  loopback_only
  # A scrubbed environment: no ECS_SHIP_*, no Slack, no real AWS endpoint.
  while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(ECS_SHIP_|SLACK_|AWS_|GITHUB_|RUNNER_)')
  export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:9
  export HOME="$BATS_TEST_TMPDIR/home"
  mkdir -p "$HOME"
  export RUNNER_TOOL_CACHE="$BATS_TEST_TMPDIR/toolcache"
  export RUNNER_TEMP="$BATS_TEST_TMPDIR/runner-temp"
  BASE_URL="http://127.0.0.1:$PORT/v0.1.0"
  : >"$REQUEST_LOG"
}

# action INPUT=VALUE...: runs the action; $status is its exit code, $output its outputs (JSON)
# and $stderr the steps' log.
action() {
  local args=(--input "base-url=$BASE_URL")
  for pair; do args+=(--input "$pair"); done
  run --separate-stderr "$PY" "$RUNNER" run "$ACTION" "${args[@]}"
}

# out NAME: one of the action's outputs.
out() {
  "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$output" "$1"
}

@test "lint: action.yml passes, and a run: script with \${{ is caught" {
  run "$PY" "$RUNNER" lint "$ACTION" "$BIN"
  echo "$output"
  [ "$status" -eq 0 ]
  sed 's|sh "$GITHUB_ACTION_PATH/orb/src/scripts/install.sh"|sh "${{ github.action_path }}/orb/src/scripts/install.sh"|' \
    "$ACTION" >"$BATS_TEST_TMPDIR/action.yml"
  sed -i 's|        ECS_SHIP_MENTION: ${{ inputs.mention }}|        ECS_SHIP_MENTON: ${{ inputs.mention }}|' "$BATS_TEST_TMPDIR/action.yml"
  run "$PY" "$RUNNER" lint "$BATS_TEST_TMPDIR/action.yml" "$BIN"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"step 0 (Install ecs-ship): its run: script contains"* ]]
  [[ "$output" == *"sets ECS_SHIP_MENTON, which no ecs-ship command accepts"* ]]
}

@test "no command: installs from the mirror (checksum-verified) into the tool cache, ecs-ship on PATH" {
  action
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$(out exit-code)" = 0 ]
  [[ "$stderr" == *"installed: ecs-ship 0.1.0"* ]]
  grep -q "GET /v0.1.0/SHA256SUMS" "$REQUEST_LOG"
  find "$RUNNER_TOOL_CACHE/ecs-ship/0.1.0" -name ecs-ship -type f | grep -q .
  # A second job on this runner takes it from the tool cache: nothing downloaded.
  : >"$REQUEST_LOG"
  rm -rf "$RUNNER_TEMP"
  action
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"from cache"* ]]
  [ ! -s "$REQUEST_LOG" ]
}

@test "a bad mirror fails the step before any command runs" {
  BASE_URL="http://127.0.0.1:$PORT/nowhere"
  action command=iam-policy
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"HTTP 404"* ]]
  [ "$(out exit-code)" = "" ]
}

@test "iam-policy: the result output is the JSON document, exit-code 0" {
  action command=iam-policy "args=--command run-task"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$(out exit-code)" = 0 ]
  "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["Statement"][0]["Sid"] == "EcsShipRunTask", d' "$(out result)"
}

@test "the step fails with ecs-ship's exit code: 2 for a usage error, 1 with no Slack destination" {
  action command=notify status=bogus
  [ "$status" -eq 2 ]
  [ "$(out exit-code)" = 2 ]
  [[ "$stderr" == *"environment variable ECS_SHIP_STATUS"* ]]
  action command=notify status=success
  [ "$status" -eq 1 ]
  [ "$(out exit-code)" = 1 ]
  [[ "$stderr" == *"no Slack destination"* ]]
  [[ "$(out result)" == *'"exit_code":1'* ]]
}

@test "inputs are passed as words, never evaluated by a shell or globbed" {
  cd "$BATS_TEST_TMPDIR"
  # Role flags take only role ARNs: the payloads sit in the role name, and a glob there would
  # match the decoy below if anything expanded it.
  role='arn:aws:iam::123456789012:role'
  mkdir -p "$role"
  touch "$role/decoy-file"
  action command=iam-policy "args=--task-role-arn $role/\$(touch\${IFS}pwned) --execution-role-arn $role/*"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ ! -e pwned ]
  [[ "$(out result)" == *'role/$(touch${IFS}pwned)"'* ]]
  [[ "$(out result)" == *'role/*"'* ]]
  [[ "$(out result)" != *decoy-file* ]]
}

start_moto() {
  "$PY" "$ROOT/scripts/moto_server.py" --port 0 --simulate-logs --roll-deployments \
    >"$BATS_FILE_TMPDIR/moto.out" 2>"$BATS_FILE_TMPDIR/moto.log" 3>&- &
  echo $! >"$BATS_FILE_TMPDIR/moto.pid"
  for _ in $(seq 300); do
    grep -q 'moto ready on' "$BATS_FILE_TMPDIR/moto.out" 2>/dev/null && break
    sleep 0.1
  done
  AWS_ENDPOINT_URL="$(sed -n 's/^moto ready on //p' "$BATS_FILE_TMPDIR/moto.out")"
  [ -n "$AWS_ENDPOINT_URL" ] || {
    cat "$BATS_FILE_TMPDIR/moto.log"
    return 1
  }
  export AWS_ENDPOINT_URL
  "$PY" "$ROOT/scripts/demo_fixtures.py" "$AWS_ENDPOINT_URL"
}

@test "migrate then deploy through the action against moto: task-arn, task-definition-arn, deployment-id" {
  start_moto
  # As the runner does: both steps append their Markdown summary to the job summary.
  export GITHUB_STEP_SUMMARY="$BATS_TEST_TMPDIR/step_summary.md"
  cat >"$BATS_TEST_TMPDIR/ecs-ship.toml" <<'TOML'
region = "us-east-1"
[env.demo]
cluster = "shop-demo"
service = "shop-web"
container = "web"
poll-interval = "1s"
[env.demo.run-task]
launch-type = "FARGATE"
TOML
  local image=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v2
  action command=migrate env=demo "config=$BATS_TEST_TMPDIR/ecs-ship.toml" "image=web=$image" \
    "command-line=bin/rails db:migrate" timeout=2m
  echo "$stderr"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(out exit-code)" = 0 ]
  [[ "$(out task-arn)" == arn:aws:ecs:us-east-1:123456789012:task/shop-demo/* ]]
  local migrated
  migrated="$(out task-definition-arn)"
  [[ "$migrated" == arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:* ]]
  [ "$(out deployment-id)" = "" ]

  action command=deploy env=demo "config=$BATS_TEST_TMPDIR/ecs-ship.toml" "image=web=$image" timeout=2m
  echo "$stderr"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -n "$(out deployment-id)" ]
  # The migration and the service run one revision.
  [ "$(out task-definition-arn)" = "$migrated" ]
  [ "$(out task-arn)" = "" ]
  cat "$GITHUB_STEP_SUMMARY"
  grep -q '^### ✅ ecs-ship run-task: succeeded$' "$GITHUB_STEP_SUMMARY"
  grep -q '^### ✅ ecs-ship deploy: succeeded$' "$GITHUB_STEP_SUMMARY"
  grep -q '^| shop-web | `shop-web:[0-9]*` | ✅ succeeded |' "$GITHUB_STEP_SUMMARY"
}
