# Sourced by scripts/e2e-toolchain.sh: the Kubernetes control plane `npm run e2e` starts on
# 127.0.0.1 for its live scenarios (test/e2e/controlPlane.ts). Built from Go modules only,
# each with the go.mod/go.sum pinned in scripts/e2e-gomod/<name>/ (complete: the build runs
# with -mod=readonly and no GONOSUMDB, so every checksum is one go.sum already holds):
#   kube-apiserver kube-controller-manager kube-scheduler kubectl
#                 k8s.io/kubernetes v$KUBE_VERSION (scripts/e2e-gomod/kube: a wrapper module
#                 replacing each k8s.io staging module, which kubernetes' own go.mod points at
#                 ./staging, by its v0.x release of the same patch level)
#   etcd          go.etcd.io/etcd/server/v3 v$ETCD_VERSION (scripts/e2e-gomod/etcd/main.go calls
#                 etcdmain.Main, as etcd's own server/main.go does)
#   kwok          sigs.k8s.io/kwok v$KWOK_VERSION cmd/kwok (scripts/e2e-gomod/kwok), plus its
#                 default stage configs copied from that module into share/kwok/stages.yaml
# Versions and reasons: the "Kubernetes control plane" block of scripts/e2e-versions.env.
#
# The part is cached on its own, in $cache_root/part-kube-<hash of its pins, its build
# functions and its three module folders>, so a change elsewhere in the toolchain relinks these binaries
# instead of rebuilding them (about 15 min of compiling on 2 cores), and the other way round.
# `scripts/e2e-toolchain.sh --part kube` builds only this part.
# To re-resolve a module after a pin change: edit its go.mod's require, then in a copy of
# the folder `GOFLAGS=-mod=mod go mod tidy` and copy go.mod/go.sum back.

KUBE_PART_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)
KUBE_PART_GOMODS=(kube etcd kwok)

# The key: the pins, the functions that build (not this file's comments) and the modules.
kube_part_key() {
  { echo "$KUBE_VERSION $ETCD_VERSION $KWOK_VERSION ${KUBE_PART_BINS[*]}"
    declare -f kube_part_build kube_go_build kube_ldflags kube_kwok_stages kube_part_verify
    for m in "${KUBE_PART_GOMODS[@]}"; do cat "$gomod/$m"/*; done
  } | sha256sum | cut -c1-16
}
kube_part_dir() { echo "$cache_root/part-kube-$(kube_part_key)"; }
kube_part_versions() { echo "control plane: kubernetes v$KUBE_VERSION, etcd v$ETCD_VERSION, kwok v$KWOK_VERSION"; }

# kube_go_build BUILD NAME MODULE_FOLDER ARGS...: `go build ARGS` in a copy of that module
# folder, logged to BUILD/build.log, its seconds appended to BUILD/times.
kube_go_build() {
  local b="$1" name="$2" mod="$3" t; shift 3
  rm -rf "$b/work/$mod"; mkdir -p "$b/work/$mod"; cp "$gomod/$mod"/* "$b/work/$mod/"
  echo "[$(date -u +%H:%M:%S)] $name" | tee -a "$b/build.log"
  t=$(date +%s)
  if ! (cd "$b/work/$mod" && go build "$@") >>"$b/build.log" 2>&1; then
    echo "e2e-toolchain: $name failed; last lines of $b/build.log:" >&2; tail -n 25 "$b/build.log" >&2; return 1
  fi
  echo "$name $(( $(date +%s) - t ))s" >> "$b/times"
}

# The version variables Kubernetes' release build sets (hack/lib/version.sh), without a
# commit (there is no git checkout) and with a fixed build date (reproducible).
kube_ldflags() {
  local pkg v="v$KUBE_VERSION" minor; minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    printf -- "-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=1970-01-01T00:00:00Z " \
      "$pkg" "$v" "$pkg" "$pkg" "$minor" "$pkg" "$pkg"
  done
}

# kube_part_build: builds the part into its cache folder unless it is complete there.
kube_part_build() {
  local dir b c t0; dir="$(kube_part_dir)"; b="$dir.build"
  [ -f "$dir/COMPLETE" ] && return 0
  command -v go >/dev/null || { echo "e2e-toolchain: needs Go (go.dev/doc/install); none on PATH" >&2; return 1; }
  rm -rf "$b"; mkdir -p "$b/bin" "$b/share/kwok" "$b/work"; : > "$b/times"; t0=$(date +%s)
  ( export GOFLAGS="-trimpath -buildvcs=false -mod=readonly" GONOSUMDB="" GOTOOLCHAIN=local CGO_ENABLED=0
    for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      kube_go_build "$b" "$c" kube -o "$b/bin/$c" -ldflags "$(kube_ldflags)" "k8s.io/kubernetes/cmd/$c" || exit 1
    done
    kube_go_build "$b" etcd etcd -o "$b/bin/etcd" . || exit 1
    kube_go_build "$b" kwok kwok -o "$b/bin/kwok" \
      -ldflags "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok || exit 1
    kube_kwok_stages "$b/work/kwok" > "$b/share/kwok/stages.yaml" || exit 1
  ) || return 1
  kube_part_verify "$b" || return 1
  rm -rf "$b/work"
  { echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version | cut -d' ' -f3)"; kube_part_versions
    cat "$b/times"; echo "total $(( $(date +%s) - t0 ))s"; } > "$b/COMPLETE.tmp"
  rm -rf "$dir"; mv "$b" "$dir"; mv "$dir/COMPLETE.tmp" "$dir/COMPLETE"
  # Parts built for other pins are not used again: free their disk.
  find "$cache_root" -mindepth 1 -maxdepth 1 -name 'part-kube-*' ! -name "$(basename "$dir")" -exec rm -rf {} +
}

# kwok's default stages (what it uses when given none, cmd/kwok's getDefault*Stages with
# its default 40 s node lease), from the pinned module: written out so the e2e passes them
# with --config and the run shows which stages make the pods Running and Ready.
kube_kwok_stages() {
  local src f; src="$(cd "$1" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)" || return 1
  for f in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    echo "# sigs.k8s.io/kwok v$KWOK_VERSION kustomize/stage/$f.yaml (Apache-2.0)"; cat "$src/kustomize/stage/$f.yaml"; echo "---"
  done
}

# Each binary answers --version with the pinned version (a wrong ldflag would leave v0.0.0).
kube_part_verify() {
  local b="$1" out
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    out="$("$b/bin/$c" --version 2>&1)"; [ "$out" = "Kubernetes v$KUBE_VERSION" ] || { echo "e2e-toolchain: $c --version said: $out" >&2; return 1; }
  done
  out="$("$b/bin/kubectl" version --client 2>&1)"; [[ "$out" == *"Client Version: v$KUBE_VERSION"* ]] || { echo "e2e-toolchain: kubectl version said: $out" >&2; return 1; }
  out="$("$b/bin/etcd" --version 2>&1)"; [[ "$out" == *"etcd Version: $ETCD_VERSION"* ]] || { echo "e2e-toolchain: etcd --version said: $out" >&2; return 1; }
  out="$("$b/bin/kwok" --version 2>&1)"; [[ "$out" == *"$KWOK_VERSION"* ]] || { echo "e2e-toolchain: kwok --version said: $out" >&2; return 1; }
}

# kube_part_install BIN_DIR SHARE_DIR: builds the part if needed (its progress on stderr),
# then hard-links (or copies) its binaries and kwok's stages into the toolchain folder being
# assembled; prints the part's build times for that folder's COMPLETE.
kube_part_install() {
  local bin="$1" share="$2" dir c; kube_part_build >&2 || return 1; dir="$(kube_part_dir)"
  mkdir -p "$share/kwok"
  for c in "${KUBE_PART_BINS[@]}"; do ln -f "$dir/bin/$c" "$bin/$c" 2>/dev/null || cp "$dir/bin/$c" "$bin/$c"; done
  cp "$dir/share/kwok/stages.yaml" "$share/kwok/stages.yaml"
  sed -n '3,$p' "$dir/COMPLETE" | grep -v '^total' | sed 's/$/ (control-plane part)/'
}
