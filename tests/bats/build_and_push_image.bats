#!/usr/bin/env bats
# shellcheck disable=SC2016 # fixtures hold shell text meant for later expansion
# orb/src/scripts/build_and_push_image.sh with stand-ins for docker and ecs-ship
# that record their arguments: no Docker daemon, no AWS.

SCRIPT="$BATS_TEST_DIRNAME/../../orb/src/scripts/build_and_push_image.sh"
DIGEST="sha256:$(printf 'a%.0s' $(seq 64))"
REGISTRY="123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"

setup() {
  export AWS_EC2_METADATA_DISABLED=true
  export CALLS="$BATS_TEST_TMPDIR/calls"
  export EXISTING_TAGS=""
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  cat >"$BATS_TEST_TMPDIR/bin/ecs-ship" <<EOF
#!/bin/sh
echo "ecs-ship \$* [env=\${ECS_SHIP_ENV:-} region=\${ECS_SHIP_REGION:-}]" >>"\$CALLS"
case "\$1 \$2" in
  "ecr login") echo "$REGISTRY" ;;
  "ecr resolve")
    tag="\${3#*:}"
    case ",\$EXISTING_TAGS," in *",\$tag,"*) echo "$DIGEST" ;; *) echo "not found" >&2; exit 1 ;; esac ;;
esac
EOF
  cat >"$BATS_TEST_TMPDIR/bin/docker" <<EOF
#!/bin/sh
echo "docker \$*" >>"\$CALLS"
prev=""
for a; do
  if [ "\$prev" = --metadata-file ]; then printf '{"containerimage.digest": "$DIGEST"}' >"\$a"; fi
  prev="\$a"
done
EOF
  chmod +x "$BATS_TEST_TMPDIR/bin/ecs-ship" "$BATS_TEST_TMPDIR/bin/docker"
  export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
  export BASH_ENV="$BATS_TEST_TMPDIR/bash_env"
  : >"$BASH_ENV"
  : >"$CALLS"
  export ECS_SHIP_BUILD_REPO=hoge-stg CIRCLE_SHA1=abc123
  unset ECS_SHIP_BUILD_TAG ECS_SHIP_BUILD_REGISTRY ECS_SHIP_BUILD_EXTRA_BUILD_ARGS ECS_SHIP_BUILD_PLATFORM
  unset ECS_SHIP_BUILD_SKIP_WHEN_TAGS_EXIST ECS_SHIP_BUILD_DOCKERFILE ECS_SHIP_BUILD_CONTEXT
}

@test "builds once with every tag, logs in through ecs-ship and exports the digest" {
  ECS_SHIP_BUILD_TAG="abc123, latest" ECS_SHIP_BUILD_EXTRA_BUILD_ARGS="--target apps" ECS_SHIP_ENV=stg \
    run sh "$SCRIPT"
  echo "$output"
  cat "$CALLS"
  [ "$status" -eq 0 ]
  grep -q "^ecs-ship ecr login --docker \[env=stg" "$CALLS"
  grep -q -- "buildx build --file ./Dockerfile --platform linux/amd64 --progress plain --push" "$CALLS"
  grep -q -- "--tag $REGISTRY/hoge-stg:abc123 --tag $REGISTRY/hoge-stg:latest --target apps .\$" "$CALLS"
  [ "$(grep -c '^docker' "$CALLS")" -eq 1 ]
  grep -qx "export ECS_SHIP_PUSHED_IMAGE='$REGISTRY/hoge-stg@$DIGEST'" "$BASH_ENV"
  grep -qx "export ECS_SHIP_PUSHED_DIGEST='$DIGEST'" "$BASH_ENV"
}

@test "default tag is the commit" {
  run sh "$SCRIPT"
  [ "$status" -eq 0 ]
  grep -q -- "--tag $REGISTRY/hoge-stg:abc123 ." "$CALLS"
}

@test "skip_when_tags_exist: nothing is built when every tag is in ECR; the digest is still exported" {
  EXISTING_TAGS="abc123,latest" ECS_SHIP_BUILD_TAG="abc123,latest" ECS_SHIP_BUILD_SKIP_WHEN_TAGS_EXIST=true \
    run sh "$SCRIPT"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipping the build"* ]]
  [ "$(grep -c '^docker' "$CALLS")" -eq 0 ]
  grep -qx "export ECS_SHIP_PUSHED_DIGEST='$DIGEST'" "$BASH_ENV"
}

@test "skip_when_tags_exist: builds when one tag is missing" {
  EXISTING_TAGS="latest" ECS_SHIP_BUILD_TAG="abc123,latest" ECS_SHIP_BUILD_SKIP_WHEN_TAGS_EXIST=true \
    run sh "$SCRIPT"
  [ "$status" -eq 0 ]
  grep -q '^docker .*buildx build' "$CALLS"
}

@test "extra build args are split on whitespace, never evaluated" {
  ECS_SHIP_BUILD_EXTRA_BUILD_ARGS='--build-arg X=$(touch pwned) *' run sh "$SCRIPT"
  [ "$status" -eq 0 ]
  [ ! -e pwned ]
  grep -qF -- '--build-arg X=$(touch pwned) * .' "$CALLS"
}

@test "a missing repo, or a tag with shell characters, fails before anything runs" {
  ECS_SHIP_BUILD_REPO="" run sh "$SCRIPT"
  [ "$status" -eq 1 ]
  [[ "$output" == *"repo parameter"* ]]
  ECS_SHIP_BUILD_TAG="x';touch pwned;'" run sh "$SCRIPT"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid tag"* ]]
  [ "$(grep -c '^docker' "$CALLS")" -eq 0 ]
}
