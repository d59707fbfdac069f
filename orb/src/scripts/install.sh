#!/bin/sh
# Install the prebuilt ecs-ship binary: pick the release asset for this OS and
# CPU, download it, verify it against SHA256SUMS, cache it per version and put
# `ecs-ship` on PATH. POSIX sh: runs on Alpine (busybox), Debian, macOS, with
# curl or wget, as a non-root user. Inlined by the orb's `install` command and
# usable on its own in any CI:
#
#   curl -fsSL https://raw.githubusercontent.com/ecs-ship/ecs-ship/main/orb/src/scripts/install.sh | sh
#
# Settings (environment; all optional):
#   ECS_SHIP_INSTALL_VERSION   version to install (default: this script's DEFAULT_VERSION)
#   ECS_SHIP_INSTALL_DIR       where `ecs-ship` goes (default: /usr/local/bin when
#                              writable, else ~/.local/bin)
#   ECS_SHIP_INSTALL_BASE_URL  URL of the directory holding the release assets
#                              (default: the GitHub release of that version)
#   ECS_SHIP_INSTALL_CACHE_DIR cache of verified binaries, per version and target
#                              (default: ${XDG_CACHE_HOME:-~/.cache}/ecs-ship)
#   ECS_SHIP_INSTALL_DOWNLOADER  curl | wget (default: curl when present)
#   ECS_SHIP_INSTALL_UNAME_S / ECS_SHIP_INSTALL_UNAME_M  override `uname -s` / `uname -m`
# ECS_SHIP_VERSION, ECS_SHIP_BASE_URL and ECS_SHIP_CACHE_DIR are accepted as
# aliases of the ECS_SHIP_INSTALL_* names.
#
# Exit status: 0 installed (or already there); 1 any failure, with nothing
# installed or cached.

set -eu

# The orb's version and the crate's; scripts/check-orb keeps them equal.
DEFAULT_VERSION="0.1.0"
REPO_URL="https://github.com/ecs-ship/ecs-ship"

say() { printf 'ecs-ship install: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

version="${ECS_SHIP_INSTALL_VERSION:-${ECS_SHIP_VERSION:-$DEFAULT_VERSION}}"
version="${version#v}"
case "$version" in
  "" | *[!0-9A-Za-z.+-]*) die "invalid version '$version' (expected e.g. $DEFAULT_VERSION)" ;;
esac

base_url="${ECS_SHIP_INSTALL_BASE_URL:-${ECS_SHIP_BASE_URL:-$REPO_URL/releases/download/v$version}}"
base_url="${base_url%/}"
cache_root="${ECS_SHIP_INSTALL_CACHE_DIR:-${ECS_SHIP_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/ecs-ship}}"

# --- platform ---------------------------------------------------------------
uname_s="${ECS_SHIP_INSTALL_UNAME_S:-$(uname -s)}"
uname_m="${ECS_SHIP_INSTALL_UNAME_M:-$(uname -m)}"
case "$uname_m" in
  x86_64 | amd64) cpu="x86_64" ;;
  aarch64 | arm64) cpu="aarch64" ;;
  *) die "unsupported CPU '$uname_m' on $uname_s: prebuilt binaries exist for x86_64 and aarch64 (build from source: cargo install --git $REPO_URL)" ;;
esac
case "$uname_s" in
  Linux) target="$cpu-unknown-linux-musl" ;;
  Darwin) target="$cpu-apple-darwin" ;;
  *) die "unsupported OS '$uname_s': prebuilt binaries exist for Linux and macOS (build from source: cargo install --git $REPO_URL)" ;;
esac
asset="ecs-ship-$target.tar.gz"

# --- install dir --------------------------------------------------------------
if [ -n "${ECS_SHIP_INSTALL_DIR:-}" ]; then
  install_dir="$ECS_SHIP_INSTALL_DIR"
elif [ -d /usr/local/bin ] && [ -w /usr/local/bin ]; then
  install_dir="/usr/local/bin"
else
  install_dir="$HOME/.local/bin"
fi

# Put install_dir on PATH for this script and, on CircleCI, for later steps.
on_path() {
  case ":$PATH:" in
    *":$install_dir:"*) ;;
    *)
      PATH="$install_dir:$PATH"
      if [ -n "${BASH_ENV:-}" ] && { [ -w "$BASH_ENV" ] || [ ! -e "$BASH_ENV" ]; }; then
        # shellcheck disable=SC2016 # $PATH is expanded later, by the next step's shell
        printf 'export PATH="%s:$PATH"\n' "$install_dir" >>"$BASH_ENV"
      else
        say "note: add $install_dir to PATH"
      fi
      ;;
  esac
}

installed_version() {
  if [ -x "$1" ]; then
    "$1" --version 2>/dev/null | awk '{ print $NF; exit }' | sed 's/^v//'
  fi
}

if [ "$(installed_version "$install_dir/ecs-ship")" = "$version" ]; then
  on_path
  say "ecs-ship $version is already installed in $install_dir"
  exit 0
fi

# --- tools --------------------------------------------------------------------
downloader="${ECS_SHIP_INSTALL_DOWNLOADER:-}"
if [ -z "$downloader" ]; then
  if command -v curl >/dev/null 2>&1; then
    downloader=curl
  elif command -v wget >/dev/null 2>&1; then
    downloader=wget
  else
    die "neither curl nor wget is installed"
  fi
fi
case "$downloader" in
  curl | wget) command -v "$downloader" >/dev/null 2>&1 || die "$downloader is not installed" ;;
  *) die "ECS_SHIP_INSTALL_DOWNLOADER must be curl or wget, not '$downloader'" ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | awk '{ print $1 }'; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | awk '{ print $1 }'; }
elif command -v openssl >/dev/null 2>&1; then
  sha256() { openssl dgst -sha256 -r "$1" | awk '{ print $1 }'; }
else
  die "no SHA-256 tool found (sha256sum, shasum or openssl)"
fi

# fetch URL FILE: download or fail with the reason (HTTP status when known).
fetch() {
  case "$downloader" in
    curl)
      status="$(curl -sSL --retry 3 --connect-timeout 10 -o "$2" -w '%{http_code}' "$1")" || status="${status:-error}"
      [ "$status" = 200 ] && return 0
      case "$status" in
        404) die "not found (HTTP 404): $1 — is version $version released, with a build for $target? (base_url: $base_url)" ;;
        *) die "download failed (HTTP $status): $1" ;;
      esac
      ;;
    wget)
      if ! wget -q -O "$2" "$1"; then
        die "download failed: $1 — is version $version released, with a build for $target? (HTTP 404 or network error; base_url: $base_url)"
      fi
      ;;
  esac
}

# install_from FILE: atomically place FILE as $install_dir/ecs-ship.
install_from() {
  mkdir -p "$install_dir" || die "cannot create $install_dir"
  tmp_bin="$install_dir/.ecs-ship.$$"
  if ! { cp "$1" "$tmp_bin" && chmod 0755 "$tmp_bin" && mv -f "$tmp_bin" "$install_dir/ecs-ship"; }; then
    rm -f "$tmp_bin"
    die "cannot write to $install_dir (set ECS_SHIP_INSTALL_DIR to a writable directory)"
  fi
  on_path
}

# --- cache --------------------------------------------------------------------
cached="$cache_root/$version/$target/ecs-ship"
if [ -x "$cached" ]; then
  install_from "$cached"
  say "installed ecs-ship $version ($target) from cache $cache_root into $install_dir"
  exit 0
fi

# --- download and verify --------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/ecs-ship-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "downloading $asset ($version) from $base_url"
fetch "$base_url/$asset" "$work/$asset"
fetch "$base_url/SHA256SUMS" "$work/SHA256SUMS"

expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$work/SHA256SUMS")"
[ -n "$expected" ] || die "SHA256SUMS at $base_url has no entry for $asset; nothing installed"
actual="$(sha256 "$work/$asset")"
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $asset: expected $expected, got $actual; nothing installed"
fi

mkdir "$work/x"
tar -xzf "$work/$asset" -C "$work/x" ecs-ship 2>/dev/null || tar -xzf "$work/$asset" -C "$work/x" ||
  die "cannot unpack $asset"
[ -f "$work/x/ecs-ship" ] || die "$asset does not contain an ecs-ship binary; nothing installed"
chmod 0755 "$work/x/ecs-ship"

# Cache the verified binary (best effort: a read-only cache is not an error).
if mkdir -p "$cache_root/$version/$target" 2>/dev/null &&
  cp "$work/x/ecs-ship" "$cached.$$" 2>/dev/null; then
  mv -f "$cached.$$" "$cached"
else
  rm -f "$cached.$$" 2>/dev/null || true
  say "note: cannot write cache $cache_root"
fi

install_from "$work/x/ecs-ship"
say "installed ecs-ship $version ($target) into $install_dir"
