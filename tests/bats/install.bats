#!/usr/bin/env bats
# shellcheck disable=SC2016 # fixtures hold shell text meant for later expansion
# orb/src/scripts/install.sh against a fake release served on 127.0.0.1 only.

INSTALLER="$BATS_TEST_DIRNAME/../../orb/src/scripts/install.sh"
TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin"

load loopback

setup_file() {
  export ROOT="$BATS_FILE_TMPDIR/www"
  mkdir -p "$ROOT/v0.1.0" "$ROOT/bad" "$ROOT/nosum"
  for target in $TARGETS; do
    dir="$BATS_FILE_TMPDIR/build/$target"
    mkdir -p "$dir"
    printf '#!/bin/sh\nif [ "${1:-}" = --version ]; then echo "ecs-ship 0.1.0"; else echo "fake ecs-ship for %s"; fi\n' \
      "$target" >"$dir/ecs-ship"
    chmod +x "$dir/ecs-ship"
    tar -czf "$ROOT/v0.1.0/ecs-ship-$target.tar.gz" -C "$dir" ecs-ship
  done
  (cd "$ROOT/v0.1.0" && sha256sum ./*.tar.gz | sed 's# \./# #' >SHA256SUMS)
  # A release whose SHA256SUMS does not match its tarballs.
  cp "$ROOT/v0.1.0"/*.tar.gz "$ROOT/bad/"
  while read -r hash name; do
    printf '%s  %s\n' "$(printf '%s' "$hash" | tr '0-9a-f' '1-9a-f0')" "$name"
  done <"$ROOT/v0.1.0/SHA256SUMS" >"$ROOT/bad/SHA256SUMS"
  # A release whose SHA256SUMS lacks the asset.
  cp "$ROOT/v0.1.0"/*.tar.gz "$ROOT/nosum/"
  : >"$ROOT/nosum/SHA256SUMS"

  serve_release "$ROOT"
}

teardown_file() {
  stop_serving_release
}

setup() {
  loopback_only
  unset ECS_SHIP_VERSION ECS_SHIP_BASE_URL ECS_SHIP_CACHE_DIR BASH_ENV
  export HOME="$BATS_TEST_TMPDIR/home"
  mkdir -p "$HOME"
  export ECS_SHIP_INSTALL_DIR="$BATS_TEST_TMPDIR/bin"
  export ECS_SHIP_INSTALL_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
  export ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:$PORT/v0.1.0"
  export ECS_SHIP_INSTALL_UNAME_S=Linux ECS_SHIP_INSTALL_UNAME_M=x86_64
  unset ECS_SHIP_INSTALL_VERSION ECS_SHIP_INSTALL_DOWNLOADER
  : >"$REQUEST_LOG"
}

nothing_installed() {
  [ ! -e "$ECS_SHIP_INSTALL_DIR/ecs-ship" ]
  [ -z "$(ls -A "$ECS_SHIP_INSTALL_DIR" 2>/dev/null)" ]
  [ -z "$(find "$ECS_SHIP_INSTALL_CACHE_DIR" -type f 2>/dev/null)" ]
}

@test "happy path with curl: installs the binary for the platform and caches it" {
  command -v curl >/dev/null || skip "no curl"
  ECS_SHIP_INSTALL_DOWNLOADER=curl run sh "$INSTALLER"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"installed ecs-ship 0.1.0 (x86_64-unknown-linux-musl)"* ]]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship")" = "fake ecs-ship for x86_64-unknown-linux-musl" ]
  [ -x "$ECS_SHIP_INSTALL_CACHE_DIR/0.1.0/x86_64-unknown-linux-musl/ecs-ship" ]
  grep -q "GET /v0.1.0/ecs-ship-x86_64-unknown-linux-musl.tar.gz" "$REQUEST_LOG"
}

@test "happy path with wget" {
  command -v wget >/dev/null || skip "no wget"
  ECS_SHIP_INSTALL_DOWNLOADER=wget run sh "$INSTALLER"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship" --version)" = "ecs-ship 0.1.0" ]
}

@test "picks the asset for the OS and CPU: aarch64 Linux, arm64 and x86_64 macOS" {
  ECS_SHIP_INSTALL_UNAME_M=aarch64 run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship")" = "fake ecs-ship for aarch64-unknown-linux-musl" ]
  rm -rf "$ECS_SHIP_INSTALL_DIR"
  ECS_SHIP_INSTALL_UNAME_S=Darwin ECS_SHIP_INSTALL_UNAME_M=arm64 run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship")" = "fake ecs-ship for aarch64-apple-darwin" ]
  rm -rf "$ECS_SHIP_INSTALL_DIR"
  ECS_SHIP_INSTALL_UNAME_S=Darwin ECS_SHIP_INSTALL_UNAME_M=x86_64 run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship")" = "fake ecs-ship for x86_64-apple-darwin" ]
}

@test "cache hit: a second install downloads nothing, even with the server unreachable" {
  run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  rm -rf "$ECS_SHIP_INSTALL_DIR"
  : >"$REQUEST_LOG"
  ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:9/nowhere" run sh "$INSTALLER"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"from cache"* ]]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship" --version)" = "ecs-ship 0.1.0" ]
  [ ! -s "$REQUEST_LOG" ]
}

@test "already installed: the same version in the install dir is kept, nothing downloaded" {
  run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  rm -rf "$ECS_SHIP_INSTALL_CACHE_DIR"
  : >"$REQUEST_LOG"
  run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  [[ "$output" == *"already installed"* ]]
  [ ! -s "$REQUEST_LOG" ]
}

@test "checksum mismatch: fails clearly and installs and caches nothing" {
  ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:$PORT/bad" run sh "$INSTALLER"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"checksum mismatch for ecs-ship-x86_64-unknown-linux-musl.tar.gz"* ]]
  [[ "$output" == *"nothing installed"* ]]
  nothing_installed
}

@test "asset missing from SHA256SUMS: fails and installs nothing" {
  ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:$PORT/nosum" run sh "$INSTALLER"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no entry for ecs-ship-x86_64-unknown-linux-musl.tar.gz"* ]]
  nothing_installed
}

@test "404 with curl: names the URL, the version and the target; installs nothing" {
  command -v curl >/dev/null || skip "no curl"
  ECS_SHIP_INSTALL_DOWNLOADER=curl ECS_SHIP_INSTALL_VERSION=9.9.9 \
    ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:$PORT/v9.9.9" run sh "$INSTALLER"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not found (HTTP 404)"* ]]
  [[ "$output" == *"/v9.9.9/ecs-ship-x86_64-unknown-linux-musl.tar.gz"* ]]
  [[ "$output" == *"version 9.9.9"* ]]
  nothing_installed
}

@test "404 with wget: fails clearly and installs nothing" {
  command -v wget >/dev/null || skip "no wget"
  ECS_SHIP_INSTALL_DOWNLOADER=wget ECS_SHIP_INSTALL_BASE_URL="http://127.0.0.1:$PORT/v9.9.9" run sh "$INSTALLER"
  [ "$status" -eq 1 ]
  [[ "$output" == *"download failed"* ]]
  nothing_installed
}

@test "unsupported CPU: clear message, no download, nothing installed" {
  ECS_SHIP_INSTALL_UNAME_M=riscv64 run sh "$INSTALLER"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unsupported CPU 'riscv64'"* ]]
  [ ! -s "$REQUEST_LOG" ]
  nothing_installed
}

@test "unsupported OS: clear message, nothing installed" {
  ECS_SHIP_INSTALL_UNAME_S=FreeBSD run sh "$INSTALLER"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unsupported OS 'FreeBSD'"* ]]
  nothing_installed
}

@test "default base_url is the project's GitHub release of the version" {
  # A stand-in curl records the URL and answers 404: nothing leaves the machine.
  mkdir -p "$BATS_TEST_TMPDIR/fakebin"
  printf '#!/bin/sh\nfor a; do last="$a"; done\necho "$last" >>"%s/urls"\nprintf 404\n' \
    "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/fakebin/curl"
  chmod +x "$BATS_TEST_TMPDIR/fakebin/curl"
  unset ECS_SHIP_INSTALL_BASE_URL
  PATH="$BATS_TEST_TMPDIR/fakebin:$PATH" ECS_SHIP_INSTALL_DOWNLOADER=curl run sh "$INSTALLER"
  [ "$status" -eq 1 ]
  [ "$(head -n 1 "$BATS_TEST_TMPDIR/urls")" = \
    "https://github.com/ecs-ship/ecs-ship/releases/download/v0.1.0/ecs-ship-x86_64-unknown-linux-musl.tar.gz" ]
}

@test "default version equals the crate's" {
  crate="$(sed -n 's/^version = "\(.*\)"/\1/p' "$BATS_TEST_DIRNAME/../../Cargo.toml" | head -n 1)"
  grep -q "^DEFAULT_VERSION=\"$crate\"\$" "$INSTALLER"
}

@test "puts the install dir on PATH for later CircleCI steps through BASH_ENV" {
  export BASH_ENV="$BATS_TEST_TMPDIR/bash_env"
  run sh "$INSTALLER"
  [ "$status" -eq 0 ]
  grep -qF "export PATH=\"$ECS_SHIP_INSTALL_DIR:\$PATH\"" "$BASH_ENV"
}

@test "non-root user: defaults to ~/.local/bin when /usr/local/bin is not writable" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to switch to an unprivileged user"
  command -v setpriv >/dev/null || skip "no setpriv"
  chmod 0777 "$BATS_TEST_TMPDIR" "$HOME"
  chmod 0755 "$BATS_FILE_TMPDIR" "$BATS_RUN_TMPDIR" 2>/dev/null || true
  unset ECS_SHIP_INSTALL_DIR ECS_SHIP_INSTALL_CACHE_DIR
  cp "$INSTALLER" "$BATS_TEST_TMPDIR/install.sh"
  chmod 0755 "$BATS_TEST_TMPDIR/install.sh"
  run setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$HOME" sh "$BATS_TEST_TMPDIR/install.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -x "$HOME/.local/bin/ecs-ship" ]
  [ "$(stat -c %u "$HOME/.local/bin/ecs-ship")" -eq 65534 ]
  [ -x "$HOME/.cache/ecs-ship/0.1.0/x86_64-unknown-linux-musl/ecs-ship" ]
}

@test "busybox sh (as on Alpine) runs the installer with wget" {
  command -v busybox >/dev/null || skip "no busybox"
  mkdir -p "$BATS_TEST_TMPDIR/bb"
  for tool in sh wget tar sha256sum awk sed mktemp mkdir cp mv chmod rm uname cat; do
    ln -s "$(command -v busybox)" "$BATS_TEST_TMPDIR/bb/$tool"
  done
  PATH="$BATS_TEST_TMPDIR/bb" run "$BATS_TEST_TMPDIR/bb/sh" "$INSTALLER"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$("$ECS_SHIP_INSTALL_DIR/ecs-ship")" = "fake ecs-ship for x86_64-unknown-linux-musl" ]
}
