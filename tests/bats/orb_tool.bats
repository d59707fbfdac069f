#!/usr/bin/env bats
# shellcheck disable=SC2016 # fixtures hold shell text meant for later expansion
# scripts/orb_tool.py: the checks fail when they should.

ROOT="$BATS_TEST_DIRNAME/../.."
TOOL="$ROOT/scripts/orb_tool.py"
FAKE="$BATS_TEST_DIRNAME/fixtures/fake-ecs-ship"

setup() {
  export AWS_EC2_METADATA_DISABLED=true
  PY="${PYTHON:-python3}"
  cp -r "$ROOT/orb/src" "$BATS_TEST_TMPDIR/src"
  "$PY" "$TOOL" pack "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/orb.yml" >/dev/null
}

@test "pack inlines <<include(...)>> and maps files to keys" {
  grep -q '^  run_task:' "$BATS_TEST_TMPDIR/orb.yml"
  grep -q 'DEFAULT_VERSION=' "$BATS_TEST_TMPDIR/orb.yml"
  [ "$(grep -c 'include(' "$BATS_TEST_TMPDIR/orb.yml")" -eq 0 ]
}

@test "pack rejects an include inside a longer string" {
  sed -i 's|command: <<include(scripts/install.sh)>>|command: sh <<include(scripts/install.sh)>>|' \
    "$BATS_TEST_TMPDIR/src/commands/install.yml"
  run "$PY" "$TOOL" pack "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/x.yml"
  [ "$status" -ne 0 ]
  [[ "$output" == *"entire string must be include statement"* ]]
}

@test "lint reports undeclared parameters, unnamed run steps and parameters in shell text" {
  cat >"$BATS_TEST_TMPDIR/src/commands/bad_one.yml" <<'YAML'
description: A bad command.
parameters:
  unused_one:
    description: Never used.
    type: string
    default: ""
steps:
  - run:
      command: echo << parameters.missing >>
YAML
  run "$PY" "$TOOL" lint "$BATS_TEST_TMPDIR/src"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"<< parameters.missing >> is not declared"* ]]
  [[ "$output" == *"parameter unused_one is declared but never used"* ]]
  [[ "$output" == *"run step without a name"* ]]
  [[ "$output" == *"pastes a parameter into shell text"* ]]
}

@test "lint reports an invalid enum default and a camelCase name" {
  sed -i 's/    enum: \[job, started, pass, fail, cancelled\]/    enum: [started, pass, fail, cancelled]/' \
    "$BATS_TEST_TMPDIR/src/commands/notify.yml"
  mv "$BATS_TEST_TMPDIR/src/examples/oidc_auth.yml" "$BATS_TEST_TMPDIR/src/examples/oidcAuth.yml"
  run "$PY" "$TOOL" lint "$BATS_TEST_TMPDIR/src"
  [ "$status" -eq 1 ]
  [[ "$output" == *"default 'job' is not one of"* ]]
  [[ "$output" == *"examples.oidcAuth: names are snake_case"* ]]
}

@test "drift passes against a binary that accepts every variable and empty values" {
  run "$PY" "$TOOL" drift "$BATS_TEST_TMPDIR/orb.yml" "$FAKE"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "drift fails when the binary no longer accepts a variable the orb sets" {
  FAKE_ECS_SHIP_DROP=ECS_SHIP_CONTAINER_IMAGE_NAME_UPDATES run "$PY" "$TOOL" drift "$BATS_TEST_TMPDIR/orb.yml" "$FAKE"
  [ "$status" -eq 1 ]
  [[ "$output" == *"sets ECS_SHIP_CONTAINER_IMAGE_NAME_UPDATES, which \`ecs-ship deploy\` does not accept"* ]]
}

@test "drift fails when the binary rejects the empty value of an unset parameter" {
  FAKE_ECS_SHIP_STRICT_EMPTY=1 run "$PY" "$TOOL" drift "$BATS_TEST_TMPDIR/orb.yml" "$FAKE"
  [ "$status" -eq 1 ]
  [[ "$output" == *"rejects the step's environment at its defaults"* ]]
}

@test "versions fails when the orb and the crate disagree" {
  printf '[package]\nname = "ecs-ship"\nversion = "9.9.9"\n' >"$BATS_TEST_TMPDIR/Cargo.toml"
  run "$PY" "$TOOL" versions "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/Cargo.toml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"commands/install.yml: version default is '0.1.0', the crate is '9.9.9'"* ]]
  [[ "$output" == *"jobs/deploy.yml: version default is '0.1.0', the crate is '9.9.9'"* ]]
  [[ "$output" == *"jobs/run_task.yml: version default is '0.1.0'"* ]]
}

@test "every job passes its version and base_url to the installer" {
  for job in build_and_push_image deploy run_task; do
    "$PY" - "$BATS_TEST_TMPDIR/orb.yml" "$job" <<'PY'
import sys, yaml
orb = yaml.safe_load(open(sys.argv[1]))
job = orb["jobs"][sys.argv[2]]
assert {"version", "base_url"} <= set(job["parameters"]), sys.argv[2]
steps = [s for s in job["steps"] if isinstance(s, dict) and "install" in s]
assert steps == [{"install": {"version": "<< parameters.version >>", "base_url": "<< parameters.base_url >>"}}], steps
# The command the job calls does not install a second time.
for step in job["steps"]:
    if isinstance(step, dict):
        for name, params in step.items():
            if name in orb["commands"] and name != "install" and "install" in orb["commands"][name].get("parameters", {}):
                assert params.get("install") is False, (sys.argv[2], name)
PY
  done
}
