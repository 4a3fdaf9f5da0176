// Validates every Kubernetes object a test run registered: built-in kinds with
// kubernetes-models (the API server's OpenAPI schemas), Grafana custom resources against
// the openAPIV3Schema of the matching grafana-operator CRD (ajv). On top of the CRD
// schema, a field the schema does not declare is an error: the API server would prune it
// silently (structural schemas), so a typo or an unknown v4 config key would vanish.
import * as fs from "fs";
import Ajv, { ValidateFunction } from "ajv";
import * as yaml from "js-yaml";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { RegisteredResource } from "./pulumiMocks";
import { schemaPath } from "./sharedSchemas";

export const CRD_FILES: Record<string, string> = {
    "grafana.integreatly.org/v1beta1": "grafana-operator-v5.24.0-grafanas.yaml",
    "integreatly.org/v1alpha1": "grafana-operator-v4.10.1-grafanas.yaml",
};
/** CRDs that share an apiVersion, by `apiVersion kind` (prometheus-operator, vendored in test/schemas with their source). */
export const CRD_FILES_BY_KIND: Record<string, string> = {
    "monitoring.coreos.com/v1 ServiceMonitor": "prometheus-operator-v0.93.0-servicemonitors.yaml",
    "monitoring.coreos.com/v1 PodMonitor": "prometheus-operator-v0.93.0-podmonitors.yaml",
    // grafana-operator v5.24.0's alerting kinds (operatorAlerting crs), vendored in test/schemas with their source.
    "grafana.integreatly.org/v1beta1 GrafanaDatasource": "grafana-operator-v5.24.0-grafanadatasources.yaml",
    "grafana.integreatly.org/v1beta1 GrafanaFolder": "grafana-operator-v5.24.0-grafanafolders.yaml",
    "grafana.integreatly.org/v1beta1 GrafanaDashboard": "grafana-operator-v5.24.0-grafanadashboards.yaml",
    "grafana.integreatly.org/v1beta1 GrafanaAlertRuleGroup": "grafana-operator-v5.24.0-grafanaalertrulegroups.yaml",
    "grafana.integreatly.org/v1beta1 GrafanaContactPoint": "grafana-operator-v5.24.0-grafanacontactpoints.yaml",
    "grafana.integreatly.org/v1beta1 GrafanaNotificationPolicy": "grafana-operator-v5.24.0-grafananotificationpolicies.yaml",
};

type Validatable = { validate(): void };
/** Built-in kinds by Pulumi type token. */
const BUILT_IN: Record<string, (obj: any) => Validatable> = {
    "kubernetes:core/v1:Namespace": (o) => new Namespace(o),
    "kubernetes:core/v1:Secret": (o) => new Secret(o),
    "kubernetes:core/v1:Service": (o) => new Service(o),
    "kubernetes:core/v1:PersistentVolumeClaim": (o) => new PersistentVolumeClaim(o),
    "kubernetes:apps/v1:Deployment": (o) => new Deployment(o),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": (o) => new NetworkPolicy(o),
    "kubernetes:policy/v1:PodDisruptionBudget": (o) => new PodDisruptionBudget(o),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": (o) => new HorizontalPodAutoscaler(o),
    "kubernetes:networking.k8s.io/v1:Ingress": (o) => new Ingress(o),
};

/** The openAPIV3Schema of the CRD version serving `apiVersion` (`group/version`). */
export function crdSchema(apiVersion: string, file = CRD_FILES[apiVersion]): any {
    if (!file) throw new Error(`no CRD file known for ${apiVersion}`);
    const [group, version] = apiVersion.split("/");
    const docs = yaml.loadAll(fs.readFileSync(schemaPath(file), "utf8")) as any[];
    for (const doc of docs) {
        if (doc?.kind !== "CustomResourceDefinition" || doc.spec?.group !== group) continue;
        const entry = (doc.spec.versions as any[]).find((v) => v.name === version);
        if (entry) return entry.schema.openAPIV3Schema;
    }
    throw new Error(`${file} has no version ${version} of group ${group}`);
}

/**
 * A copy of a structural schema in which every object that lists `properties` (and neither
 * allows additional ones nor preserves unknown fields) rejects undeclared properties.
 */
export function rejectPrunedFields(schema: any): any {
    if (Array.isArray(schema)) return schema.map(rejectPrunedFields);
    if (!schema || typeof schema !== "object") return schema;
    const out: any = {};
    for (const [k, v] of Object.entries(schema)) {
        if (k === "properties" || k === "patternProperties" || k === "definitions") {
            out[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, rejectPrunedFields(s)]));
        } else if (k === "enum" || k === "required" || k === "default" || k === "example" || k === "x-kubernetes-list-map-keys") {
            out[k] = v;
        } else {
            out[k] = rejectPrunedFields(v);
        }
    }
    if (out.properties && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

// code.optimize off: the same checks, generated without ajv's optimizing passes (the Grafana
// CRD's schema compiles in about 0.35 s instead of 0.85 s, in every test process that needs it).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false, code: { optimize: false } });
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(apiVersion: string, kind: string): ValidateFunction {
    const byKind = CRD_FILES_BY_KIND[`${apiVersion} ${kind}`];
    const key = byKind ? `${apiVersion} ${kind}` : apiVersion;
    let v = crdValidators.get(key);
    if (!v) {
        v = ajv.compile(rejectPrunedFields(crdSchema(apiVersion, byKind)));
        crdValidators.set(key, v);
    }
    return v;
}

/** The object as the API server would receive it: the resource's inputs without Pulumi's secret wrappers. */
function manifestOf(r: RegisteredResource): any {
    return JSON.parse(JSON.stringify(r.plain));
}

/** Throws with every schema violation of one registered Kubernetes object. */
export function validateKubernetesObject(r: RegisteredResource): void {
    const obj = manifestOf(r);
    const where = `${r.type} ${r.name}`;
    const builtIn = BUILT_IN[r.type];
    if (builtIn) {
        try {
            builtIn(obj).validate();
        } catch (e) {
            throw new Error(`${where} violates the Kubernetes schema: ${(e as Error).message}`, { cause: e });
        }
        return;
    }
    if (typeof obj.apiVersion === "string" && (CRD_FILES[obj.apiVersion] || CRD_FILES_BY_KIND[`${obj.apiVersion} ${obj.kind}`])) {
        const validate = crdValidator(obj.apiVersion, obj.kind);
        if (!validate(obj)) {
            const errors = (validate.errors ?? []).map(
                (e) =>
                    `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
            );
            throw new Error(`${where} violates the ${obj.apiVersion} CRD schema:\n  ${errors.join("\n  ")}`);
        }
        return;
    }
    throw new Error(`${where}: no schema to validate it against; add its kind to test/harness/kubernetesSchemas.ts`);
}

/** Validates every `kubernetes:` object of a run; returns how many were checked. */
export function validateAllKubernetesObjects(resources: RegisteredResource[]): number {
    const objects = resources.filter((r) => r.type.startsWith("kubernetes:"));
    const failures: string[] = [];
    for (const r of objects) {
        try {
            validateKubernetesObject(r);
        } catch (e) {
            failures.push((e as Error).message);
        }
    }
    if (failures.length > 0) throw new Error(failures.join("\n"));
    return objects.length;
}
