# shellcheck shell=bash
# Part of scripts/e2e-toolchain.sh (sourced): the Pulumi Docker provider for `npm run e2e`.
#   bin/pulumi-resource-docker   pulumi-docker at DOCKER_PROVIDER_VERSION (provider/), a bridge
#                                over the Terraform provider kreuzwerker/terraform-provider-docker
#                                at the commit pulumi-docker pins as its `upstream` submodule,
#                                with pulumi-docker's patches/ applied as its Makefile does.
# The proxy refuses github.com/pulumi/pulumi-docker/provider/v5 (403 for every version), and the
# upstream module is a repository-relative replace; both come from source, every dependency
# from the proxy with the go.mod/go.sum pinned in scripts/e2e-gomod/docker_provider/.

DOCKER_SOURCES=(
  "pulumi+pulumi-docker v$DOCKER_PROVIDER_VERSION LICENSE provider patches"
  "kreuzwerker+terraform-provider-docker $DOCKER_UPSTREAM_COMMIT LICENSE go.mod go.sum main.go internal"
)

part_pins_docker_provider() { echo "docker $DOCKER_PROVIDER_VERSION $DOCKER_UPSTREAM_COMMIT"; }

# part_build_docker_provider OUT
part_build_docker_provider() {
  local out="$1" src="$1/src"
  fetch_source "${DOCKER_SOURCES[0]}" "$src" | tee -a "$log"
  fetch_source "${DOCKER_SOURCES[1]}" "$src/upstream" | tee -a "$log"
  # scripts/upstream.sh init: the patches, in order, on the upstream tree.
  local p
  for p in "$src"/patches/*.patch; do timed "docker-patch-$(basename "$p" .patch | cut -c1-4)" patch -d "$src/upstream" -p1 -i "$p"; done
  ( cd "$src/provider"
    use_gomod docker_provider
    d=cmd/pulumi-resource-docker
    # generate.go: the schema, versioned, embedded.
    VERSION="$DOCKER_PROVIDER_VERSION" D="$d" node -e '
      const fs = require("fs"), d = process.env.D;
      const schema = JSON.parse(fs.readFileSync(d + "/schema.json", "utf8"));
      schema.version = process.env.VERSION;
      fs.writeFileSync(d + "/schema-embed.json", JSON.stringify(schema));'
    # no_compose: upstream's build without the compose resources, as pulumi-docker's Makefile builds it.
    export CGO_ENABLED=0
    timed docker-provider-build go build -tags no_compose -o "$out/bin/pulumi-resource-docker" \
      -ldflags "-X github.com/pulumi/pulumi-docker/provider/v5/pkg/version.Version=$DOCKER_PROVIDER_VERSION" ./$d )
  rm -rf "$src"
}
