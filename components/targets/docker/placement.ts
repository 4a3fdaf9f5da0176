// Where the two Docker containers find each other: by their aliases on the stack's own
// network (inside a container `localhost` is that container itself). Pure, no Docker SDK:
// the program decides the wiring from it before the Docker target is loaded.
import { GRAFANA_CONTAINER_PORT, type Placement } from "../../wiring/wiring";

/** Network aliases of the containers: the names each container resolves the other by. */
export const DOCKER_ALIASES = { grafana: "grafana", renderer: "renderer" } as const;

/** The Docker placement: each container by its alias, Grafana on its container port. */
export function dockerPlacement(): Placement {
    return { rendererHost: DOCKER_ALIASES.renderer, grafanaHost: DOCKER_ALIASES.grafana, grafanaPort: GRAFANA_CONTAINER_PORT };
}
