// A Secret of the user's that exists before `pulumi up` (grafanaAdminPasswordSecret): read,
// never managed, so Pulumi can log in to the Grafana whose password it does not choose.
// The pods read the same key through secretKeyRef (podSpecs.ts, toKubernetesEnv).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import type { SecretRef } from "../../config/kubernetesObjectSettings";

/** The value of one key of an existing Secret, secret; fails with what to check when the key is missing. */
export function existingSecretValue(logicalName: string, namespace: string, ref: SecretRef): pulumi.Output<string> {
    const secret = k8s.core.v1.Secret.get(logicalName, `${namespace}/${ref.name}`);
    return pulumi.secret(
        secret.data.apply((data) => {
            const encoded = data?.[ref.key];
            if (encoded === undefined) {
                throw new Error(
                    `Secret ${ref.name} in namespace ${namespace} has no key ${ref.key}. ` +
                        `Check: kubectl get secret ${ref.name} -n ${namespace} -o jsonpath='{.data}' (keys only with: | jq keys), ` +
                        `then name the key: pulumi config set grafanaAdminPasswordSecret ${ref.name}:<key>`,
                );
            }
            return Buffer.from(encoded, "base64").toString("utf8");
        }),
    );
}
