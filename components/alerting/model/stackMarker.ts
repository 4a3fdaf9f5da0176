// The demo rule's stack marker as a Pulumi value (alertingModel.ts STACK_MARKER_LABEL):
// shared by the Grafana API path and the grafana-operator CR path, without either's SDK.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stackMarker } from "./alertingModel";

/**
 * `<project>/<stack>/<8 hex digits>`: the id is generated once by random.RandomId and kept
 * in state, so the label, and the preview, stay the same on every `pulumi up`.
 */
export function demoMarker(name: string, stackName: string, parent: pulumi.Resource): pulumi.Output<string> {
    const id = new random.RandomId(`${name}-marker`, { byteLength: 4 }, { parent });
    return id.hex.apply((hex) => stackMarker(pulumi.getProject(), stackName, hex));
}
