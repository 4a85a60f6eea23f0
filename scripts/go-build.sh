# Sourced by the scripts that build real components from their Go modules (control plane, helm,
# the oracles): the check for Go, a build folder of this process's own, and the oracles' build.

# require_go "<why, ending in what it builds>": one line and exit 3 when Go is missing.
require_go() {
  command -v go >/dev/null 2>&1 || {
    echo "$1: install Go (https://go.dev/dl/); 'go' is not on PATH" >&2
    exit 3
  }
}

# in_private_build_dir <out>: cd into a new folder inside <out>, removed on exit. Several processes
# may build at once: each in its own folder, then each renames its binaries into <out> (a rename
# is atomic; the last one wins). Go's own caches are safe to share.
in_private_build_dir() {
  mkdir -p "$1"
  work="$(mktemp -d "$1/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  cd "$work"
}

# start_binary_build <name> <version> <why>: a component's binary lives in
# $cache/<name>/<version>/<name> ($out is its folder). When it is there, prints its path and exits 0;
# else checks for Go (exit 3, naming <why>) and enters a build folder of this process's own ($work).
start_binary_build() {
  cache="${HOBBY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hobby-infra}"
  out="$cache/$1/$2"
  if [ -x "$out/$1" ]; then echo "$out/$1"; exit 0; fi
  require_go "$3"
  in_private_build_dir "$out"
}

# install_binary <name>: moves the built $work/<name> into $out with one rename; prints its path.
install_binary() {
  mv -f "$work/$1" "$out/$1"
  echo "$out/$1"
}

# build_oracle <oracle> <module> <why>: builds test/oracles/<oracle> (main.go and go.mod) against
# the version of <module> its go.mod pins, into $cache/<oracle>-oracle/<version>/<oracle>-oracle,
# and prints the binary's path. Rebuilt when main.go or go.mod change: the binary knows the checksum of the sources it was
# built from (`<name> -source`). <module> `std` is Go's standard library: the version is then the
# toolchain's (`go env GOVERSION`), so a new Go rebuilds the oracle, and Go must be there.
build_oracle() {
  local name="$1-oracle" module="$2" why="$3" src version source_sum cache out bin
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../test/oracles/$1" && pwd)"
  if [ "$module" = std ]; then
    require_go "$why"
    version="$(go env GOVERSION)"
  else
    version="$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$src/go.mod")"
  fi
  [ -n "$version" ] || { echo "build-$name.sh: $src/go.mod requires no $module" >&2; exit 2; }
  source_sum="$(cat "$src/go.mod" "$src/main.go" | cksum | awk '{ print $1 "-" $2 }')"
  cache="${HOBBY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hobby-infra}"
  out="$cache/$name/$version"
  bin="$out/$name"
  if [ -x "$bin" ] && [ "$("$bin" -source 2>/dev/null)" = "$source_sum" ]; then echo "$bin"; return 0; fi

  require_go "$why $module $version"
  in_private_build_dir "$out"
  cp "$src/go.mod" "$src/main.go" "$work/"
  export CGO_ENABLED=0 GOFLAGS=-mod=mod
  # go.sum is made here, from the checksum database, rather than kept in the repository.
  [ "$module" = std ] || go mod download "$module"
  go build -trimpath -ldflags "-s -w -X main.source=$source_sum" -o "$work/$name" .
  mv -f "$work/$name" "$bin"
  echo "$bin"
}
