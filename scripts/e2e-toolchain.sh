#!/usr/bin/env bash
# Builds the pinned toolchain `npm run e2e` runs the real Pulumi engine with, from Go
# modules, into a cache folder outside the repository (kept between runs and clones):
#   ${XDG_CACHE_HOME:-~/.cache}/grafana-slack-alerts/e2e-<hash of versions + this script>/bin
#     pulumi                       CLI: wrapper module requiring github.com/pulumi/pulumi/pkg/v3
#     pulumi-language-nodejs       Node.js language host (pulumi/pulumi, same tag)
#     pulumi-resource-kubernetes   Kubernetes provider (pulumi/pulumi-kubernetes provider/)
#     pulumi-resource-random       Random provider (pulumi/pulumi-random provider/)
#     grafana-image-renderer       the real renderer, and Debian's chromium and Docker engine
#     pulumi-resource-docker       Docker provider           (parts: scripts/e2e-parts/*.sh)
#     kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok
#                                  the live e2e's control plane: scripts/e2e-toolchain-kube.sh
#                                  (a part cached on its own pins; share/kwok/ its stages)
# Versions and the reasons for them: scripts/e2e-versions.env. `.tools` links to the folder.
#
# The Go module proxy serves the CLI's module and every dependency, but not the language
# host's or the providers' modules: those three are built from their repositories' source at
# the pinned tags, found (first match) in $E2E_SOURCES, ../shared/e2e-sources or
# /work/.mirror, as either a tarball `<owner>+<name>@<tag>.tar.gz` (see --pack-sources) or a
# git repository `<owner>+<name>/repo`. Nothing is downloaded from anywhere but the proxy.
#
# Usage: scripts/e2e-toolchain.sh              build unless the cache is complete
#        scripts/e2e-toolchain.sh --dir        print the cache folder (built or not)
#        scripts/e2e-toolchain.sh --check      exit 0 only if the cache is complete
#        scripts/e2e-toolchain.sh --pack-sources DIR   write the source tarballs into DIR
#        scripts/e2e-toolchain.sh --part NAME  build one part into its cache only (development):
#                                      kube, renderer, renderer_rootfs, docker_provider
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
versions_file="$root/scripts/e2e-versions.env"
# shellcheck source=e2e-versions.env
. "$versions_file"

gomod="$root/scripts/e2e-gomod"
parts_dir="$root/scripts/e2e-parts"
key="$(cat "$versions_file" "$root"/scripts/e2e-toolchain*.sh "$parts_dir"/*.sh "$gomod"/*/go.mod "$gomod"/*/go.sum "$gomod"/*/*.go | sha256sum | cut -c1-16)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/grafana-slack-alerts"
dir="$cache_root/e2e-$key"
# shellcheck source=e2e-parts/renderer.sh
. "$parts_dir/renderer.sh"
# shellcheck source=e2e-parts/docker.sh
. "$parts_dir/docker.sh"
# shellcheck source=e2e-toolchain-kube.sh
. "$root/scripts/e2e-toolchain-kube.sh"

case "${1:-}" in
  --dir) echo "$dir"; exit 0 ;;
  # Complete: every binary built, and the apt packages e2e runs (chromium, dockerd) installed.
  --check) [ -f "$dir/COMPLETE" ] && [ -z "$(apt_missing)" ]; exit $? ;;
  # The control plane's part builds on its own; the other parts further down.
  --part) if [ "${2:-}" = kube ]; then kube_part_build && cat "$(kube_part_dir)/COMPLETE"; exit $?; fi ;;
esac

# The three source trees: "owner+name tag path...". Test files and test data are left out.
SOURCES=(
  "pulumi+pulumi v$PULUMI_VERSION LICENSE sdk/nodejs/cmd/pulumi-language-nodejs"
  "pulumi+pulumi-kubernetes v$KUBERNETES_PROVIDER_VERSION LICENSE provider"
  "pulumi+pulumi-random v$RANDOM_PROVIDER_VERSION LICENSE provider"
)
# The parts' source trees (scripts/e2e-parts/*.sh), packed by --pack-sources like the others.
PART_SOURCES=("$RENDERER_SOURCE" "${DOCKER_SOURCES[@]}")

skip_path() { case "$1" in *_test.go|*/testdata/*|*/test-programs/*) return 0 ;; esac; return 1; }

# export_tree GITDIR REV DEST PATH...: the files of PATHs at REV, into DEST. A source snapshot
# may lack its largest blobs (generated schemas); those are reported and skipped, and the
# build regenerates or replaces what it needs of them.
export_tree() {
  local git="$1" rev="$2" dest="$3"; shift 3
  git -C "$git" rev-parse -q --verify "$rev^{commit}" >/dev/null || { echo "e2e-toolchain: $git has no tag $rev" >&2; return 1; }
  git -C "$git" ls-tree -r -z "$rev" -- "$@" | while IFS= read -r -d '' line; do
    local meta="${line%%$'\t'*}" path="${line#*$'\t'}" mode hash
    mode="${meta%% *}"; hash="${meta##* }"
    [ "$mode" = 160000 ] && continue
    skip_path "$path" && continue
    mkdir -p "$dest/$(dirname "$path")"
    if git -C "$git" cat-file -e "$hash" 2>/dev/null; then
      git -C "$git" cat-file blob "$hash" > "$dest/$path"
      if [ "$mode" = 100755 ]; then chmod +x "$dest/$path"; fi
    else
      echo "e2e-toolchain: (not in the source snapshot, not needed: $path)" >&2
    fi
  done
}

source_dirs() {
  [ -n "${E2E_SOURCES:-}" ] && echo "$E2E_SOURCES"
  echo "$root/scripts/e2e-sources"
  echo "$root/../shared/e2e-sources"
  echo "/work/.mirror"
}

# fetch_source "owner+name tag path..." DEST: unpack or export that tree into DEST.
fetch_source() {
  local spec="$1" dest="$2" repo tag d
  read -r repo tag _ <<<"$spec"
  local -a paths; read -r -a paths <<<"$spec"; paths=("${paths[@]:2}")
  mkdir -p "$dest"
  while read -r d; do
    if [ -f "$d/$repo@$tag.tar.gz" ]; then
      tar -xzf "$d/$repo@$tag.tar.gz" -C "$dest"; echo "  source $repo@$tag: $d/$repo@$tag.tar.gz"; return 0
    fi
    if [ -d "$d/$repo/repo" ] && git -C "$d/$repo/repo" rev-parse -q --verify "$tag^{commit}" >/dev/null 2>&1; then
      export_tree "$d/$repo/repo" "$tag" "$dest" "${paths[@]}"; echo "  source $repo@$tag: git $d/$repo/repo"; return 0
    fi
  done < <(source_dirs)
  echo "e2e-toolchain: no source for $repo at $tag. The Go module proxy refuses this module, so it" >&2
  echo "  is built from source: put $repo@$tag.tar.gz (made by --pack-sources on a machine that has" >&2
  echo "  it) or a git repository $repo/repo holding tag $tag into one of: $(source_dirs | tr '\n' ' ')" >&2
  return 1
}

if [ "${1:-}" = "--pack-sources" ]; then
  out="${2:?usage: --pack-sources DIR}"; mkdir -p "$out"
  for spec in "${SOURCES[@]}" "${PART_SOURCES[@]}"; do
    read -r repo tag _ <<<"$spec"
    tmp="$(mktemp -d)"; fetch_source "$spec" "$tmp" >/dev/null
    # Deterministic archive: same bytes for the same tree.
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - -C "$tmp" . | gzip -n -9 > "$out/$repo@$tag.tar.gz" && rm -rf "$tmp"
    echo "wrote $out/$repo@$tag.tar.gz ($(du -h "$out/$repo@$tag.tar.gz" | cut -f1))"
  done
  exit 0
fi

if [ -f "$dir/COMPLETE" ]; then
  echo "e2e toolchain already built: $dir"; ln -sfn "$dir" "$root/.tools"; exit 0
fi
command -v go >/dev/null || { echo "e2e-toolchain: needs Go (go.dev/doc/install); none on PATH" >&2; exit 1; }

build="$dir.build"
# --part NAME: build (or find cached) one part only, into a scratch folder (development).
[ "${1:-}" = "--part" ] && build="$(mktemp -d)"
rm -rf "$build"; mkdir -p "$build/bin" "$build/work"
work="$build/work"
# -mod=readonly: every module's hash must already be in the pinned go.sum (checked when it is
# downloaded); one that is not stops the build instead of being fetched and recorded unchecked.
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly" GOTOOLCHAIN=local
log="$build/build.log"
t_all=$(date +%s)
step() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$log"; }
timed() { # timed NAME cmd...: run, log, record seconds
  local name="$1" t; shift; t=$(date +%s)
  if ! "$@" >>"$log" 2>&1; then echo "e2e-toolchain: $name failed; last lines of $log:" >&2; tail -n 25 "$log" >&2; exit 1; fi
  echo "$name $(( $(date +%s) - t ))s" >> "$build/times"
}

# Every module is built with the go.mod/go.sum pinned in scripts/e2e-gomod/<name>/: the
# upstream ones with the swaps e2e-versions.env explains, resolved once by `go` and kept, so
# every build selects the same versions and checks the same hashes.
use_gomod() { cp "$gomod/$1/go.mod" "$gomod/$1/go.sum" .; }

# Parts (scripts/e2e-parts/*.sh), each cached on its own in $cache_root/parts/<name>-<key>/,
# keyed by its build function, its pins (part_pins_<name>) and scripts/e2e-gomod/<name>/: a
# change elsewhere in the toolchain links a part again instead of rebuilding it.
part_key() {
  { declare -f "part_build_$1"; "part_pins_$1"; cat "$gomod/$1"/go.mod "$gomod/$1"/go.sum 2>/dev/null || true; } | sha256sum | cut -c1-16
}
run_part() { # run_part NAME: build part NAME unless cached, then hard-link its files into $build
  local name="$1" out t0 d
  out="$cache_root/parts/$name-$(part_key "$name")"
  if [ -f "$out/DONE" ]; then
    step "$name: cached ($out)"; echo "$name cached" >> "$build/times"
  else
    step "$name: building into $out"
    rm -rf "$out.build"; mkdir -p "$out.build/bin"; t0=$(date +%s)
    "part_build_$name" "$out.build"
    echo "$name $(( $(date +%s) - t0 ))s" > "$out.build/DONE"
    rm -rf "$out"; mv "$out.build" "$out"
    find "$cache_root/parts" -mindepth 1 -maxdepth 1 -name "$name-*" ! -name "$(basename "$out")" -exec rm -rf {} +
  fi
  for d in "$out"/*/; do mkdir -p "$build/$(basename "$d")"; cp -al "$d." "$build/$(basename "$d")/" 2>/dev/null || cp -a "$d." "$build/$(basename "$d")/"; done
}
if [ "${1:-}" = "--part" ]; then
  run_part "${2:?usage: --part NAME}"; echo "log: $log"; exit 0
fi

# 1. CLI: pkg/v3 carries `replace` directives, so `go install module@version` refuses it; a
#    wrapper module requires it and repeats its non-local replaces (scripts/e2e-gomod/cli).
step "pulumi CLI v$PULUMI_VERSION (wrapper module around github.com/pulumi/pulumi/pkg/v3)"
mkdir -p "$work/cli"
( cd "$work/cli"
  use_gomod cli
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > tools.go
  timed cli-build go build -o "$build/bin/pulumi" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi )

# 2. Node.js language host: its module is not on the proxy; its source at the same tag, with
#    the repository-relative replaces swapped for the proxy's pkg/sdk modules.
step "pulumi-language-nodejs v$PULUMI_VERSION (source, deps from the proxy)"
fetch_source "${SOURCES[0]}" "$work/lh" | tee -a "$log"
( cd "$work/lh/sdk/nodejs/cmd/pulumi-language-nodejs"
  use_gomod language-host
  export CGO_ENABLED=0; timed language-host-build go build -o "$build/bin/pulumi-language-nodejs" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" . )

# 3. Kubernetes provider. Its generated schema.json is not in the source snapshot; the
#    provider only serves it to `pulumi package get-schema` and reads it when importing a
#    live object, neither of which e2e does, so a minimal schema with name and version is
#    embedded. Its terraform mapping is embedded as upstream's generate.go does it
#    (re-serialized JSON).
step "pulumi-resource-kubernetes v$KUBERNETES_PROVIDER_VERSION (source, deps from the proxy)"
fetch_source "${SOURCES[1]}" "$work/k8s" | tee -a "$log"
( cd "$work/k8s/provider"
  use_gomod kubernetes
  d=cmd/pulumi-resource-kubernetes
  VERSION="$KUBERNETES_PROVIDER_VERSION" D="$d" node -e '
    const fs = require("fs"), d = process.env.D, v = process.env.VERSION;
    const schema = fs.existsSync(d + "/schema.json") ? JSON.parse(fs.readFileSync(d + "/schema.json", "utf8")) : { name: "kubernetes" };
    schema.version = v;
    fs.writeFileSync(d + "/schema-embed.json", JSON.stringify(schema));
    fs.writeFileSync(d + "/terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(d + "/terraform-mapping.json", "utf8"))));'
  export CGO_ENABLED=0; timed kubernetes-build go build -o "$build/bin/pulumi-resource-kubernetes" \
    -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" ./$d )

# 4. Random provider (a bridged Terraform provider); schema.json is in the source, versioned
#    as upstream's generate.go does it.
step "pulumi-resource-random v$RANDOM_PROVIDER_VERSION (source, deps from the proxy)"
fetch_source "${SOURCES[2]}" "$work/random" | tee -a "$log"
( cd "$work/random/provider"
  use_gomod random
  d=cmd/pulumi-resource-random
  VERSION="$RANDOM_PROVIDER_VERSION" D="$d" node -e '
    const fs = require("fs"), d = process.env.D;
    const schema = JSON.parse(fs.readFileSync(d + "/schema.json", "utf8"));
    schema.version = process.env.VERSION;
    fs.writeFileSync(d + "/schema-embed.json", JSON.stringify(schema));'
  export CGO_ENABLED=0; timed random-build go build -o "$build/bin/pulumi-resource-random" \
    -ldflags "-X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$RANDOM_PROVIDER_VERSION" ./$d )

# The real renderer and a Docker engine (issue 22; scripts/e2e-parts/*.sh): Debian's packages,
# the renderer and its image's root filesystem, the Docker provider.
install_apt_packages
run_part renderer
run_part renderer_rootfs
run_part docker_provider

# 5. The live e2e's Kubernetes control plane (scripts/e2e-toolchain-kube.sh): built once per
#    set of its own pins in its own cache folder, hard-linked in here.
step "control plane: kube-apiserver, controller-manager, scheduler, kubectl v$KUBE_VERSION, etcd v$ETCD_VERSION, kwok v$KWOK_VERSION"
kube_part_install "$build/bin" "$build/share" >> "$build/times" || exit 1

rm -rf "$work"
total=$(( $(date +%s) - t_all ))
{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores with $(go version | cut -d' ' -f3)"
  echo "versions: pulumi $PULUMI_VERSION, kubernetes $KUBERNETES_PROVIDER_VERSION, random $RANDOM_PROVIDER_VERSION, docker $DOCKER_PROVIDER_VERSION, renderer $RENDERER_VERSION; $(kube_part_versions)"
  cat "$build/times"
  echo "total ${total}s"
  echo "bin $(du -sh "$build/bin" | cut -f1)"
} > "$build/COMPLETE.tmp"
step "e2e toolchain ready in ${total}s: $dir"
rm -rf "$dir"; mv "$build" "$dir"; mv "$dir/COMPLETE.tmp" "$dir/COMPLETE"
ln -sfn "$dir" "$root/.tools"
# Toolchains built for other versions are not used again: free their disk.
find "$cache_root" -mindepth 1 -maxdepth 1 -name 'e2e-*' ! -name "e2e-$key" -exec rm -rf {} +
cat "$dir/COMPLETE"
