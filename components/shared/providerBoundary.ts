// Where this project's dynamic providers cross into the engine. A dynamic resource is a
// custom resource of type `pulumi-nodejs:dynamic/<module>:<type>` whose `__provider` input is
// a CommonJS module text exporting `handler()` (what `pulumi.dynamic.Resource` builds with
// closure serialization, and what @pulumi/pulumi/cmd/dynamic-provider runs). This project
// sends providerHost.js instead, after one line naming the provider to load: it loads that
// provider from the project's source at run time. So the program neither serializes a
// closure (about a second of every preview: the V8 inspector and a package-tree library) nor
// loads the providers' modules (the verifier, the preflight checks) at all.
import * as fs from "node:fs";
import * as path from "node:path";

/** The resource type `pulumi.dynamic.Resource` registers for a module and a type name. */
export function dynamicResourceType(module: string, type: string): string {
    return `pulumi-nodejs:dynamic/${module}:${type}`;
}

/** The resource type `pulumi.dynamic.Resource` registers for module "verify", type "SlackImageVerification". */
export const VERIFICATION_RESOURCE_TYPE = dynamicResourceType("verify", "SlackImageVerification");

let host: string | undefined;

/**
 * The `__provider` text for the provider object exported as `exportName` by `module` (a path
 * below the project root, with forward slashes): the same on every run and machine, no
 * absolute path, no secret.
 */
export function providerSource(module = "components/verify/verificationProvider.ts", exportName = "verificationProvider"): string {
    host ??= fs.readFileSync(path.join(__dirname, "providerHost.js"), "utf8");
    return `const PROVIDER = ${JSON.stringify({ module: module.split("/"), export: exportName })};\n${host}`;
}
