#!/usr/bin/env bats
# shellcheck disable=SC2016 # fixtures hold template text, not shell expansions
# scripts/check_package.py: cargo-binstall's metadata must point at the release assets.

ROOT="$BATS_TEST_DIRNAME/../.."
CHECK="$ROOT/scripts/check_package.py"

setup() {
  cp "$ROOT/Cargo.toml" "$BATS_TEST_TMPDIR/Cargo.toml"
}

check() {
  run python3 "$CHECK" "$BATS_TEST_TMPDIR/Cargo.toml" "$ROOT/orb/src/scripts/install.sh" "$ROOT/scripts/build-release"
  echo "$output"
}

@test "the crate's binstall metadata renders to the installer's URL for every release target" {
  check
  [ "$status" -eq 0 ]
  for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin; do
    [[ "$output" == *"$target: https://github.com/ecs-ship/ecs-ship/releases/download/v0.1.0/ecs-ship-$target.tar.gz"* ]]
  done
  [[ "$output" == *"x86_64-unknown-linux-gnu: https://github.com/ecs-ship/ecs-ship/releases/download/v0.1.0/ecs-ship-x86_64-unknown-linux-musl.tar.gz"* ]]
}

@test "a pkg-url that misses the assets fails, naming target and both URLs" {
  sed -i 's|^pkg-url = "{ repo }/releases/download/v{ version }/{ name }-{ target }.tar.gz"|pkg-url = "{ repo }/releases/download/{ version }/{ name }-{ target }.tgz"|' \
    "$BATS_TEST_TMPDIR/Cargo.toml"
  check
  [ "$status" -eq 1 ]
  [[ "$output" == *"x86_64-apple-darwin: binstall downloads https://github.com/ecs-ship/ecs-ship/releases/download/0.1.0/ecs-ship-x86_64-apple-darwin.tgz, the release asset is https://github.com/ecs-ship/ecs-ship/releases/download/v0.1.0/ecs-ship-x86_64-apple-darwin.tar.gz"* ]]
}

@test "glibc Linux without its override would look for an archive that is never built" {
  python3 - "$BATS_TEST_TMPDIR/Cargo.toml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r"\[package\.metadata\.binstall\.overrides\.x86_64-unknown-linux-gnu\]\npkg-url = .*\n", "", text)
open(path, "w").write(text)
PY
  check
  [ "$status" -eq 1 ]
  [[ "$output" == *"x86_64-unknown-linux-gnu: binstall downloads https://github.com/ecs-ship/ecs-ship/releases/download/v0.1.0/ecs-ship-x86_64-unknown-linux-gnu.tar.gz"* ]]
}
