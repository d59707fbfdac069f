#!/usr/bin/env python3
"""The crate's `[package.metadata.binstall]` points at the release assets.

    python3 scripts/check_package.py CARGO_TOML INSTALL_SH BUILD_RELEASE

For each release target (scripts/build-release's list), the URL cargo-binstall renders from
`pkg-url` (with its per-target overrides) must be the one the installer downloads
(`$REPO_URL/releases/download/v$version/ecs-ship-$target.tar.gz`, REPO_URL being the crate's
`repository`), glibc Linux targets must get the static musl archive, and `bin-dir` must name
the binary at the archive's top level, where scripts/build-release puts it. Exits 1 with every
mismatch listed.
"""

import re
import sys
import tomllib

GLIBC = {"x86_64-unknown-linux-gnu": "x86_64-unknown-linux-musl",
         "aarch64-unknown-linux-gnu": "aarch64-unknown-linux-musl"}


def render(template, values):
    def one(match):
        key = match.group(1)
        if key not in values:
            raise KeyError(f"unknown placeholder {{ {key} }} in {template!r}")
        return values[key]
    return re.sub(r"\{\s*([a-z-]+)\s*\}", one, template)


def main(cargo_toml, install_sh, build_release):
    with open(cargo_toml, "rb") as f:
        package = tomllib.load(f)["package"]
    installer = open(install_sh, encoding="utf-8").read()
    builder = open(build_release, encoding="utf-8").read()
    problems = []

    binstall = (package.get("metadata") or {}).get("binstall")
    if not binstall:
        print("check-package: Cargo.toml has no [package.metadata.binstall]")
        return 1
    m = re.search(r"^\s*(x86_64-unknown-linux-musl \|[^)]*)\)", builder, re.M)
    targets = [t.strip() for t in m.group(1).split("|")] if m else []
    m = re.search(r"^\s*(x86_64-apple-darwin \|[^)]*)\)", builder, re.M)
    targets += [t.strip() for t in m.group(1).split("|")] if m else []
    if len(targets) != 4:
        problems.append(f"cannot read the release targets from {build_release} (found {targets})")
    if "archive=$outdir/$BIN-$target.tar.gz" not in builder or "BIN=ecs-ship" not in builder:
        problems.append(f"{build_release} no longer makes ecs-ship-TARGET.tar.gz archives")
    m = re.search(r'^REPO_URL="([^"]*)"', installer, re.M)
    repo_url = m.group(1) if m else None
    if repo_url != package.get("repository"):
        problems.append(f"installer REPO_URL {repo_url!r} != Cargo.toml repository {package.get('repository')!r}")
    if '$REPO_URL/releases/download/v$version' not in installer or 'asset="ecs-ship-$target.tar.gz"' not in installer:
        problems.append(f"{install_sh} no longer downloads $REPO_URL/releases/download/v$version/ecs-ship-$target.tar.gz")
    if binstall.get("pkg-fmt") != "tgz":
        problems.append(f"pkg-fmt is {binstall.get('pkg-fmt')!r}, the archives are tgz")

    version = package["version"]
    overrides = binstall.get("overrides") or {}
    for target in targets + list(GLIBC):
        asset_target = GLIBC.get(target, target)
        values = {"repo": package["repository"], "version": version, "name": package["name"],
                  "target": target, "archive-format": "tgz", "binary-ext": "", "bin": "ecs-ship"}
        spec = dict(binstall)
        spec.update(overrides.get(target) or {})
        try:
            url = render(spec["pkg-url"], values)
            bin_dir = render(spec.get("bin-dir", ""), values)
        except KeyError as error:
            problems.append(str(error))
            continue
        expected = f"{package['repository']}/releases/download/v{version}/ecs-ship-{asset_target}.tar.gz"
        if url != expected:
            problems.append(f"{target}: binstall downloads {url}, the release asset is {expected}")
        if bin_dir != "ecs-ship":
            problems.append(f"{target}: bin-dir is {bin_dir!r}; the archive holds `ecs-ship` at its top level")
        else:
            print(f"check-package: {target}: {url}")
    for problem in problems:
        print(f"check-package: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
