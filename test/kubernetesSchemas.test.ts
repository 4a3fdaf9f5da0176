// The validators themselves: a schema violation must fail, or the mode tests prove nothing.
import { strict as assert } from "assert";
import { decideWiring } from "../components/wiring/wiring";
import { placementFor } from "../components/program";
import { grafanaV1alpha1Spec, grafanaV1beta1Spec, OperatorSpecArgs } from "../components/targets/kubernetes/operatorMode";
import { grafanaContainer, rendererContainer } from "../components/targets/kubernetes/podSpecs";
import { settingsFor } from "./harness/configSource";
import { crdSchema, rejectPrunedFields, validateAllKubernetesObjects, validateKubernetesObject } from "./harness/kubernetesSchemas";
import type { RegisteredResource } from "./harness/pulumiMocks";

/** A plain, untyped copy: the tests below break it on purpose. */
const clone = (v: unknown): any => JSON.parse(JSON.stringify(v));

function registered(type: string, obj: any): RegisteredResource {
    return { type, name: "x", inputs: obj, plain: obj, custom: true };
}

const settings = settingsFor({ target: "kubernetes", kubernetesMode: "operator" });
const wiring = decideWiring(settings, placementFor(settings));
const args: OperatorSpecArgs = {
    wiring,
    grafanaImage: "grafana/grafana:13.1.1",
    rendererImage: "grafana/grafana-image-renderer:v5.11.1",
    secretName: "grafana-credentials-abc",
};

const crV5 = () =>
    clone({
        apiVersion: "grafana.integreatly.org/v1beta1",
        kind: "Grafana",
        metadata: { name: "grafana", namespace: "grafana" },
        spec: grafanaV1beta1Spec(args),
    });
const crV4 = () =>
    clone({
        apiVersion: "integreatly.org/v1alpha1",
        kind: "Grafana",
        metadata: { name: "grafana", namespace: "grafana" },
        spec: grafanaV1alpha1Spec(args),
    });
const V5 = "kubernetes:grafana.integreatly.org/v1beta1:Grafana";
const V4 = "kubernetes:integreatly.org/v1alpha1:Grafana";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

function deployment(): any {
    return clone({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "grafana", namespace: "grafana" },
        spec: {
            selector: { matchLabels: { app: "grafana" } },
            template: {
                metadata: { labels: { app: "grafana" } },
                spec: {
                    containers: [
                        grafanaContainer(wiring.grafana, "grafana/grafana:13.1.1", "s"),
                        rendererContainer(wiring.renderer, "r:v5.11.1", "s"),
                    ],
                },
            },
        },
    });
}

describe("kubernetes schema validation catches violations", () => {
    it("accepts what the operator-mode builders produce, for both API versions", () => {
        validateKubernetesObject(registered(V5, crV5()));
        validateKubernetesObject(registered(V4, crV4()));
        validateKubernetesObject(registered(DEPLOYMENT, deployment()));
    });

    it("built-in kinds: a wrongly typed field fails (kubernetes-models)", () => {
        const d = deployment();
        d.spec.template.spec.containers[1].ports[0].containerPort = "8081";
        assert.throws(() => validateKubernetesObject(registered(DEPLOYMENT, d)), /violates the Kubernetes schema.*containerPort/s);
        const e = deployment();
        delete e.spec.template.spec.containers[0].name;
        assert.throws(() => validateKubernetesObject(registered(DEPLOYMENT, e)), /name/);
    });

    it("v1beta1: a non-string grafana.ini value fails", () => {
        const cr = crV5();
        cr.spec.config.rendering.concurrent_render_request_limit = 30;
        assert.throws(
            () => validateKubernetesObject(registered(V5, cr)),
            /\/spec\/config\/rendering\/concurrent_render_request_limit must be string/,
        );
    });

    it("v1beta1: a field the CRD does not declare fails (the API server would prune it)", () => {
        const cr = crV5();
        cr.spec.deployment.spec.template.spec.containers[1].securityContex = {};
        assert.throws(() => validateKubernetesObject(registered(V5, cr)), /additional properties \(securityContex\)/);
        const top = crV5();
        top.spec.containers = [];
        assert.throws(
            () => validateKubernetesObject(registered(V5, top)),
            /additional properties \(containers\)/,
            "spec.containers is v4 only",
        );
    });

    it("v1beta1: a container without a name fails", () => {
        const cr = crV5();
        delete cr.spec.deployment.spec.template.spec.containers[1].name;
        assert.throws(() => validateKubernetesObject(registered(V5, cr)), /must have required property 'name'/);
    });

    it("v1beta1: a grafana.ini section of any name is fine (preserve-unknown-fields)", () => {
        const cr = crV5();
        cr.spec.config["feature_toggles"] = { enable: "x" };
        validateKubernetesObject(registered(V5, cr));
    });

    it("v1alpha1: an untyped config key fails instead of being silently pruned", () => {
        const cr = crV4();
        cr.spec.config["unified_alerting.screenshots"] = { capture: "true" };
        assert.throws(() => validateKubernetesObject(registered(V4, cr)), /additional properties \(unified_alerting\.screenshots\)/);
        const key = crV4();
        key.spec.config.rendering.renderer_token = "x";
        assert.throws(() => validateKubernetesObject(registered(V4, key)), /additional properties \(renderer_token\)/);
    });

    it("v1alpha1: spec.config is required and typed", () => {
        const none = crV4();
        delete none.spec.config;
        assert.throws(() => validateKubernetesObject(registered(V4, none)), /required property 'config'/);
        const typed = crV4();
        typed.spec.config.security = { allow_embedding: "true" };
        assert.throws(() => validateKubernetesObject(registered(V4, typed)), /allow_embedding must be boolean/);
    });

    it("v1alpha1: the v5 layout (spec.deployment.spec) is not accepted", () => {
        const cr = crV4();
        cr.spec.deployment.spec = { template: {} };
        assert.throws(() => validateKubernetesObject(registered(V4, cr)), /additional properties \(spec\)/);
    });

    it("prometheus-operator monitors: validated against their own CRDs (a wrong field or type fails)", () => {
        const SM = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
        const sm = () =>
            clone({
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "x", namespace: "n" },
                spec: { selector: { matchLabels: { a: "b" } }, endpoints: [{ port: "http", path: "/metrics", scheme: "http" }] },
            });
        validateKubernetesObject(registered(SM, sm()));
        const typo = sm();
        typo.spec.endpoints[0].portNumber = 8081;
        assert.throws(
            () => validateKubernetesObject(registered(SM, typo)),
            /additional properties \(portNumber\)/,
            "portNumber is a PodMonitor field",
        );
        const scheme = sm();
        scheme.spec.endpoints[0].scheme = "tcp";
        assert.throws(() => validateKubernetesObject(registered(SM, scheme)), /scheme must be equal to one of the allowed values/);
        const PM = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
        validateKubernetesObject(
            registered(PM, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: "x" },
                spec: { selector: {}, podMetricsEndpoints: [{ portNumber: 8081 }] },
            }),
        );
    });

    it("an object with no known schema fails instead of passing unchecked", () => {
        assert.throws(
            () => validateAllKubernetesObjects([registered("kubernetes:batch/v1:Job", { apiVersion: "batch/v1", kind: "Job" })]),
            /no schema to validate it against/,
        );
    });

    it("picks the CRD version entry matching the apiVersion", () => {
        assert.ok(crdSchema("grafana.integreatly.org/v1beta1").properties.spec.properties.deployment);
        assert.ok(crdSchema("integreatly.org/v1alpha1").properties.spec.properties.containers);
        assert.throws(() => crdSchema("grafana.integreatly.org/v1", "grafana-operator-v5.24.0-grafanas.yaml"), /has no version v1/);
    });

    it("rejectPrunedFields leaves open objects open", () => {
        const s = rejectPrunedFields({
            type: "object",
            properties: {
                a: { type: "object" },
                b: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { c: {} } },
            },
        });
        assert.equal(s.additionalProperties, false);
        assert.equal(s.properties.a.additionalProperties, undefined);
        assert.equal(s.properties.b.additionalProperties, undefined);
    });
});
