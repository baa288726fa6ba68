#!/usr/bin/env bash
# Builds the Terraform tier's two binaries from the Go module proxy into <repo>/.cache/terraform:
#   build-tools.sh tofu      -> bin/tofu                                (OpenTofu)
#   build-tools.sh provider  -> provider/terraform-provider-huaweicloud (the dev_overrides directory)
#   build-tools.sh --check   -> exit 0 when both are built from the pinned versions (needs no Go)
# A binary whose stamp names the pinned module@version is reused; otherwise it is rebuilt.
# Both modules carry `replace` directives, which `go install mod@version` refuses, so the module is
# downloaded, copied somewhere writable (the module cache is read-only) and built there with its
# own go.mod/go.sum. Everything Go writes (modules, build cache) stays under .cache/terraform, so
# a warm cache rebuilds nothing and a fresh clone shares nothing with ~/go.
set -euo pipefail

TOFU=github.com/opentofu/opentofu@v1.12.6
PROVIDER=github.com/huaweicloud/terraform-provider-huaweicloud@v1.95.0

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$root/.cache/terraform

# What each binary is built from, where it goes, and the version stamp its release build sets
# (.goreleaser files): without it tofu calls itself 1.12.6-dev and the provider's Version is empty.
target() {
  case "$1" in
    tofu) ref=$TOFU pkg=./cmd/tofu out=$cache/bin/tofu x=github.com/opentofu/opentofu/version.dev=no ;;
    provider) ref=$PROVIDER pkg=. out=$cache/provider/terraform-provider-huaweicloud
      x=github.com/huaweicloud/terraform-provider-huaweicloud/huaweicloud.Version=${PROVIDER##*@v} ;;
    *) return 1 ;;
  esac
}
# A binary is reused when its stamp names what it was built from and with.
built() { target "$1" && [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$ref $x" ]; }

case "${1:-}" in
  --check) built tofu && built provider; exit ;;
  tofu | provider) target "$1" ;;
  *) echo "usage: $0 tofu|provider|--check" >&2; exit 2 ;;
esac
if built "$1"; then echo "$out is up to date ($ref)"; exit 0; fi

export GOMODCACHE=$cache/mod GOCACHE=$cache/build GOPATH=$cache/path GOTOOLCHAIN=local
# -buildvcs=false: the copied sources sit inside this repository's checkout, whose git metadata is
# not theirs to stamp into the binary.
export GOFLAGS='-modcacherw -buildvcs=false'

# `go mod download` must not run inside a module, or it would edit that module's go.mod.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$(cd "$work" && go mod download -json "$ref" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
[ -n "$dir" ] || { echo "go mod download $ref gave no Dir" >&2; exit 1; }

src=$cache/src/${ref##*/}
if [ ! -f "$src/go.mod" ]; then
  rm -rf "$src" "$src.tmp"
  mkdir -p "$(dirname "$src")"
  cp -R "$dir" "$src.tmp"
  chmod -R u+w "$src.tmp"
  mv "$src.tmp" "$src"
fi

mkdir -p "$(dirname "$out")"
# -s -w (no symbol tables), as the release builds: it makes the link of the provider much lighter.
(cd "$src" && go build -trimpath -ldflags="-s -w -X $x" -o "$out.tmp" "$pkg")
mv "$out.tmp" "$out"
echo "$ref $x" > "$out.stamp"
echo "built $out ($ref)"
