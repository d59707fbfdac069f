#!/bin/sh
# Build an image with docker buildx and push it to ECR under several tags.
# Inlined by the orb's build_and_push_image command; every AWS call goes
# through the ecs-ship binary (ecr login / ecr resolve), which reads its own
# ECS_SHIP_* settings (region, env, role_arn) from the step's environment.
#
# Inputs (environment):
#   ECS_SHIP_BUILD_REPO              ECR repository name (required)
#   ECS_SHIP_BUILD_TAG               tags, comma-separated (default: $CIRCLE_SHA1, else latest)
#   ECS_SHIP_BUILD_REGISTRY          registry host (default: the one `ecs-ship ecr login --docker` prints)
#   ECS_SHIP_BUILD_DOCKERFILE        Dockerfile path (default: Dockerfile in the context)
#   ECS_SHIP_BUILD_CONTEXT           build context directory (default: .)
#   ECS_SHIP_BUILD_PLATFORM          platform(s), comma-separated (default: linux/amd64)
#   ECS_SHIP_BUILD_EXTRA_BUILD_ARGS  more `docker buildx build` arguments, split on
#                                    whitespace (no quoting, no expansion)
#   ECS_SHIP_BUILD_SKIP_WHEN_TAGS_EXIST  true: build nothing when every tag is in ECR
# Outputs, appended to $BASH_ENV for later steps:
#   ECS_SHIP_PUSHED_IMAGE   REGISTRY/REPO@sha256:...
#   ECS_SHIP_PUSHED_DIGEST  sha256:...

set -eu

say() { printf 'ecs-ship build: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

repo="${ECS_SHIP_BUILD_REPO:-}"
[ -n "$repo" ] || die "the repo parameter (ECS_SHIP_BUILD_REPO) is required"
tags="${ECS_SHIP_BUILD_TAG:-${CIRCLE_SHA1:-latest}}"
context="${ECS_SHIP_BUILD_CONTEXT:-.}"
dockerfile="${ECS_SHIP_BUILD_DOCKERFILE:-$context/Dockerfile}"
platform="${ECS_SHIP_BUILD_PLATFORM:-linux/amd64}"
skip="${ECS_SHIP_BUILD_SKIP_WHEN_TAGS_EXIST:-false}"

# Names end up in $BASH_ENV, which later steps source: accept only what ECR does.
valid() {
  case "$1" in
    "" | *[!A-Za-z0-9._/:-]*) return 1 ;;
  esac
}
valid "$repo" || die "invalid repository name '$repo'"

command -v ecs-ship >/dev/null 2>&1 || die "ecs-ship is not installed (run the install command first)"
command -v docker >/dev/null 2>&1 || die "docker is not available (use the machine executor or setup_remote_docker)"

# Log in; ecs-ship prints the registry host it logged in to.
login_out="$(ecs-ship ecr login --docker)" || die "ecs-ship ecr login failed"
registry="${ECS_SHIP_BUILD_REGISTRY:-$(printf '%s\n' "$login_out" | awk 'NF { last = $NF } END { print last }')}"
registry="${registry#https://}"
registry="${registry%/}"
valid "$registry" || die "cannot tell the registry (ecs-ship ecr login printed '$login_out'); set the registry parameter"

# Split the comma-separated tags (no globbing, surrounding blanks dropped).
set -f
old_ifs="$IFS"
IFS=", "
# shellcheck disable=SC2086 # splitting on commas is the point
set -- $tags
IFS="$old_ifs"
[ "$#" -gt 0 ] || die "no tags given"
first_tag="$1"
tag_args=""
present=0
for tag in "$@"; do
  valid "$tag" || die "invalid tag '$tag'"
  if [ "$skip" = true ] && ecs-ship ecr resolve "$repo:$tag" >/dev/null 2>&1; then
    say "$repo:$tag is already in ECR"
    present=$((present + 1))
  fi
  tag_args="$tag_args --tag $registry/$repo:$tag"
done

digest_of() {
  ecs-ship ecr resolve "$repo:$1" | grep -o 'sha256:[0-9a-f]\{64\}' | head -n 1
}

if [ "$skip" = true ] && [ "$present" -eq "$#" ]; then
  say "every tag is already in ECR: skipping the build (skip_when_tags_exist)"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/ecs-ship-build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  case "$platform" in
    *,*)
      # Several platforms need a docker-container builder and emulators.
      docker run --privileged --rm tonistiigi/binfmt --install all >/dev/null
      docker buildx inspect ecs-ship >/dev/null 2>&1 || docker buildx create --name ecs-ship --driver docker-container >/dev/null
      builder="--builder ecs-ship"
      ;;
    *) builder="" ;;
  esac
  # shellcheck disable=SC2086 # tag_args, builder and the extra arguments are word lists
  set -- ${builder} buildx build --file "$dockerfile" --platform "$platform" --progress plain \
    --push --metadata-file "$work/metadata.json" $tag_args ${ECS_SHIP_BUILD_EXTRA_BUILD_ARGS:-} "$context"
  say "docker $*"
  docker "$@"
  digest="$(grep -o '"containerimage.digest": *"sha256:[0-9a-f]\{64\}"' "$work/metadata.json" 2>/dev/null |
    grep -o 'sha256:[0-9a-f]\{64\}' || true)"
fi
set +f

if [ -z "${digest:-}" ]; then
  digest="$(digest_of "$first_tag")" || true
fi
[ -n "$digest" ] || die "cannot find the digest of $repo:$first_tag in ECR"

image="$registry/$repo@$digest"
say "pushed $image"
printf '%s\n' "$image"
if [ -n "${BASH_ENV:-}" ]; then
  printf "export ECS_SHIP_PUSHED_IMAGE='%s'\nexport ECS_SHIP_PUSHED_DIGEST='%s'\n" "$image" "$digest" >>"$BASH_ENV"
fi
