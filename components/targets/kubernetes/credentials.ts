// The one Secret of the program's own: every secret the wiring refers to (renderer token,
// admin password, the generated secret_key, and with an external database its URL), the
// admin user, and grafanaIni's values when it is stored as a secret. A secret the user
// keeps in a Secret of their own (grafanaAdminPasswordSecret, rendererTokenSecret) is not
// copied here: the pods read it from there.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import type { SecretName, Wiring } from "../../wiring/wiring";
import type { KubernetesTargetSettings } from "./modeContext";
import { ADMIN_USER_KEY, SECRET_KEYS, labels } from "./objectNames";
import { secretKeyRef } from "./podSpecs";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The secrets the wiring refers to, for the renderer only (renderer mode) or for both. */
export function referencedSecrets(wiring: Wiring, rendererOnly: boolean): SecretName[] {
    const env = rendererOnly ? wiring.renderer.env : [...wiring.renderer.env, ...wiring.grafanaSecretEnv];
    return [...new Set(env.flatMap((v) => (v.secret ? [v.secret] : [])))];
}

export interface CredentialsArgs {
    settings: Pick<KubernetesTargetSettings, "existingSecrets" | "grafanaIniSecretEnv" | "grafanaAdminUser">;
    wiring: Wiring;
    secret: (name: SecretName) => pulumi.Output<string>;
    rendererOnly: boolean;
    namespace: pulumi.Input<string>;
    instanceLabels: Record<string, string>;
    opts: pulumi.CustomResourceOptions;
}

/**
 * Auto-named and immutable: changing a secret replaces the Secret under a new name, which
 * changes every workload that references it, so Grafana and the renderer roll together and
 * never run with two different tokens.
 */
export function credentialsSecret(name: string, a: CredentialsArgs): k8s.core.v1.Secret {
    const stringData: Record<string, pulumi.Input<string>> = {};
    for (const s of referencedSecrets(a.wiring, a.rendererOnly)) {
        if (!a.settings.existingSecrets[s as keyof typeof a.settings.existingSecrets]) stringData[SECRET_KEYS[s]] = a.secret(s);
    }
    // Renderer mode: no Grafana here, so no admin credentials either.
    if (!a.rendererOnly) {
        stringData[ADMIN_USER_KEY] = a.settings.grafanaAdminUser;
        for (const v of a.settings.grafanaIniSecretEnv ?? []) stringData[v.name] = v.value;
    }
    return new k8s.core.v1.Secret(
        `${name}-credentials`,
        {
            metadata: { namespace: a.namespace, labels: labels({}, "credentials", a.instanceLabels) },
            type: "Opaque",
            immutable: true,
            stringData,
        },
        a.opts,
    );
}

/** grafanaIni stored as a secret: each of its variables from the key of the same name in the credentials Secret. */
export function grafanaIniSecretEnv(
    settings: Pick<KubernetesTargetSettings, "grafanaIniSecretEnv">,
    secretName: pulumi.Input<string>,
): EnvVar[] {
    return (settings.grafanaIniSecretEnv ?? []).map((v) => ({ name: v.name, valueFrom: secretKeyRef(secretName, v.name) }));
}
