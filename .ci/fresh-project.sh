#!/usr/bin/env bash
# A newcomer's first five minutes, checked: a fresh project outside the
# workspace takes the README's dependency block (with redsim by path, as it
# is not on crates.io yet) and the README's first example as its test, with
# redsim's default features, and `cargo test` must build and pass it.
#
# The README marks the two blocks with `<!-- fresh-project: dependencies -->`
# and `<!-- fresh-project: example -->` comments just before them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

# The fenced code block that follows a marker line.
block_after() {
  awk -v marker="$1" '
    index($0, marker) { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' README.md
}

deps=$(block_after "<!-- fresh-project: dependencies -->")
example=$(block_after "<!-- fresh-project: example -->")
[ -n "$deps" ] || { echo "README: no dependency block after its fresh-project marker"; exit 1; }
[ -n "$example" ] || { echo "README: no example after its fresh-project marker"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/redsim-fresh.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src" "$dir/tests"
{
  printf '[package]\nname = "fresh"\nversion = "0.1.0"\nedition = "2024"\n\n'
  # redsim by path instead of the registry version the README gives.
  printf '%s\n' "$deps" | sed -E "s|^redsim = .*|redsim = { path = \"$repo/server\" }|"
} > "$dir/Cargo.toml"
: > "$dir/src/lib.rs"
printf '%s\n' "$example" > "$dir/tests/readme.rs"
# The workspace's lock file pins the same versions its tests were built
# with (cargo drops what the fresh project does not use).
cp Cargo.lock "$dir/Cargo.lock"
echo "fresh project in $dir:"
cat "$dir/Cargo.toml"
(cd "$dir" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}/fresh-project" cargo test)
