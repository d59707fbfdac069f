# shellcheck shell=bash
# What the installer, orb and action tests share (`load loopback`): nothing leaves 127.0.0.1,
# and a release mirror there.

# No instance metadata and no proxy: every request stays on loopback.
loopback_only() {
  export AWS_EC2_METADATA_DISABLED=true
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
  export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
}

# Packs $BATS_FILE_TMPDIR/stage/ecs-ship as this machine's release asset in $RELEASE (named as
# scripts/build-release names it), with its SHA256SUMS.
pack_release() {
  local cpu
  case "$(uname -m)" in
    x86_64 | amd64) cpu=x86_64 ;;
    aarch64 | arm64) cpu=aarch64 ;;
  esac
  tar -czf "$RELEASE/ecs-ship-$cpu-unknown-linux-musl.tar.gz" -C "$BATS_FILE_TMPDIR/stage" ecs-ship
  (cd "$RELEASE" && sha256sum ./*.tar.gz | sed 's# \./# #' >SHA256SUMS)
}

# Serves directory $1 with Python's http.server on a free port of 127.0.0.1 (exported as PORT),
# logging each request to $REQUEST_LOG.
serve_release() {
  export REQUEST_LOG="$BATS_FILE_TMPDIR/requests.log"
  : >"$REQUEST_LOG"
  python3 "$BATS_TEST_DIRNAME/fixtures/release_server.py" "$1" "$BATS_FILE_TMPDIR/port" "$REQUEST_LOG" 3>&- &
  echo $! >"$BATS_FILE_TMPDIR/server.pid"
  for _ in $(seq 50); do
    [ -s "$BATS_FILE_TMPDIR/port" ] && break
    sleep 0.1
  done
  export PORT
  PORT="$(cat "$BATS_FILE_TMPDIR/port")"
}

stop_serving_release() {
  kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null || true
}
