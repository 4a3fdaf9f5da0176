// The Pulumi SDK, loaded on first use rather than at import. `npm run up`'s preflight
// (scripts/preflight.js) checks the config with config/ and no SDK, and the dynamic
// providers' process never needs it for most calls: require("@pulumi/pulumi") costs about
// 600 ms (median of 3 on this project's 2-core machine: 599, 641, 659 ms).
import type * as pulumi from "@pulumi/pulumi";

export function pulumiSdk(): typeof pulumi {
    return require("@pulumi/pulumi");
}
