// Where SlackImageVerification's dynamic provider crosses into the engine. A dynamic resource
// is a custom resource of type `pulumi-nodejs:dynamic/<module>:<type>` whose `__provider`
// input is a CommonJS module text exporting `handler()` (what `pulumi.dynamic.Resource` builds
// with closure serialization, and what @pulumi/pulumi/cmd/dynamic-provider runs). This project
// sends providerHost.js verbatim instead: it loads verificationProvider.ts from the project at
// run time. So the program neither serializes a closure (about a second of every preview: the
// V8 inspector and a package-tree library) nor loads the verifier's modules at all.
import * as fs from "node:fs";
import * as path from "node:path";

/** The resource type `pulumi.dynamic.Resource` registers for module "verify", type "SlackImageVerification". */
export const VERIFICATION_RESOURCE_TYPE = "pulumi-nodejs:dynamic/verify:SlackImageVerification";

let source: string | undefined;

/** The `__provider` text: providerHost.js as it is (no absolute path, no secret, same on every run). */
export function providerSource(): string {
    source ??= fs.readFileSync(path.join(__dirname, "providerHost.js"), "utf8");
    return source;
}
