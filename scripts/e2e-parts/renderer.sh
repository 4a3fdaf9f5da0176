# shellcheck shell=bash
# Part of scripts/e2e-toolchain.sh (sourced): the real Grafana Image Renderer for `npm run e2e`.
#   bin/grafana-image-renderer   built from the renderer's source at RENDERER_VERSION, the version
#                                of the program's default rendererImage (components/shared/images.ts)
#   images/renderer-rootfs.tar   a Debian root filesystem with chromium, for the renderer image
#                                the Docker scenarios build locally (no registry is reachable)
# plus Debian's chromium and Docker engine packages, installed with apt when missing.

# Apache-2.0 since v5 (Go). The Go module proxy refuses github.com/grafana/grafana-image-renderer
# (403 for every version), so its source comes from the same places as the other sources.
RENDERER_SOURCE="grafana+grafana-image-renderer v$RENDERER_VERSION LICENSE go.mod go.sum main.go cmd pkg"

# The apt packages e2e runs: the renderer's browser and a Docker engine. mmdebstrap builds the
# image's root filesystem from the same Debian mirror.
E2E_APT_PACKAGES=(chromium docker.io containerd runc mmdebstrap)

# Pins that decide each part (its cache key, with this file): see e2e-versions.env.
part_pins_renderer() { echo "renderer $RENDERER_VERSION"; }
part_pins_renderer_rootfs() { echo "rootfs $RENDERER_ROOTFS_SUITE ${RENDERER_ROOTFS_PACKAGES[*]}"; }

# apt_missing: the packages of E2E_APT_PACKAGES that are not installed.
apt_missing() {
  local p
  for p in "${E2E_APT_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_apt_packages() {
  local -a missing; mapfile -t missing < <(apt_missing)
  [ "${#missing[@]}" -eq 0 ] && { step "apt: ${E2E_APT_PACKAGES[*]} already installed"; return 0; }
  step "apt: installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "e2e-toolchain: needs root to install ${missing[*]} (or install them first: apt-get install ${missing[*]})" >&2; exit 1; }
  timed apt-update apt-get update -q
  # The engine is started by e2e itself (own data root and socket), never as a system service:
  # policy-rc.d (Debian's invoke-rc.d policy) keeps the packages from starting their daemons.
  local policy=/usr/sbin/policy-rc.d added=""
  [ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; added=1; }
  export DEBIAN_FRONTEND=noninteractive
  timed apt-install apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -n "$added" ] && rm -f "$policy"
  return 0
}

# part_build_renderer OUT: the renderer binary, statically linked as its Dockerfile builds it.
part_build_renderer() {
  local out="$1" src="$1/src"
  fetch_source "$RENDERER_SOURCE" "$src" | tee -a "$log"
  ( cd "$src"
    export CGO_ENABLED=0
    timed renderer-build go build -o "$out/bin/grafana-image-renderer" -ldflags '-s -w -extldflags "-static"' . )
  rm -rf "$src"
  "$out/bin/grafana-image-renderer" --version >>"$log" 2>&1 || true
}

# part_build_renderer_rootfs OUT: Debian with chromium, fonts, tini and the renderer image's
# non-root user 65532 (upstream's Dockerfile), as a tar for `docker import`. The renderer binary
# is added by the Dockerfile e2e builds. nodejs and wget serve the stand-in Grafana container.
part_build_renderer_rootfs() {
  local out="$1"
  mkdir -p "$out/images"
  timed renderer-rootfs mmdebstrap --variant=apt --mode=root --format=tar \
    --include="$(IFS=,; echo "${RENDERER_ROOTFS_PACKAGES[*]}")" \
    --customize-hook='chroot "$1" useradd --create-home --system --uid 65532 --user-group nonroot' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$RENDERER_ROOTFS_SUITE" "$out/images/renderer-rootfs.tar" "$(apt_sources)"
}

# The machine's own Debian sources (with the security suite, where chromium's updates are).
apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [ -s "$f" ] && { echo "$f"; return; }
  done
  echo "http://deb.debian.org/debian"
}
