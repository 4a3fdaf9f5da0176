// Grafana beyond one replica (grafanaReplicas, grafanaDatabaseUrl) through the whole program
// under mocks: the objects separate and operator mode register for an HA Grafana, each
// validated against its schema (kubernetes-models, the grafana-operator v5.24.0 CRD), the
// database URL and the shared secret_key only ever as secrets, and the config problems.
import { strict as assert } from "assert";
import { ConfigValidationError } from "../components/config/config";
import { isSecretValue, ofType, one, RegisteredResource } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { fakeConfigSource } from "./harness/configSource";
import { readSettings } from "../components/config/config";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    grafanaV5: "kubernetes:grafana.integreatly.org/v1beta1:Grafana",
    random: "random:index/randomPassword:RandomPassword",
};

const DB_URL = "postgres://grafana:s3cr3t%2Fpw@db.example.internal:5432/grafana?sslmode=require";
const NS = "grafana-ha";

/** Auto-named Secrets get a name, as the provider would give them. */
const secretNames = (args: { type: string; name: string; inputs: any }) =>
    args.type === T.secret && !args.inputs.metadata?.name
        ? { metadata: { ...args.inputs.metadata, name: `${args.name}-7c1e9a2b` } }
        : undefined;

async function run(config: Record<string, string>, secretKeys = ["grafanaDatabaseUrl"]): Promise<RegisteredResource[]> {
    const r = await runStack({ target: "kubernetes", namespace: NS, ...config }, { secretKeys, stateFor: secretNames });
    assert.equal(r.error, undefined, String(r.error));
    return r.resources;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const named = (rs: RegisteredResource[], type: string, name: string) => ofType(rs, type).find((r) => r.plain.metadata?.name === name);
const envOf = (c: any): Record<string, any> => Object.fromEntries(c.env.map((e: any) => [e.name, e]));

/** The inputs as the engine gets them, every secret value replaced: what a diff, a log or a state file shows in plain text. */
function withoutSecrets(v: any): any {
    if (isSecretValue(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(withoutSecrets);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecrets(x)]));
    return v;
}

function problems(values: Record<string, string>, secretKeys: string[] = []): ConfigValidationError {
    try {
        readSettings(fakeConfigSource({ values, secretKeys }), "grafana-slack-alerts", "test");
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, String(e));
        return e;
    }
    assert.fail(`expected ${JSON.stringify(values)} to be refused`);
}

describe("Grafana HA, separate mode: grafanaReplicas 3 with a secret grafanaDatabaseUrl", function () {
    let rs: RegisteredResource[];
    before(async () => {
        rs = await run({ kubernetesMode: "separate", grafanaReplicas: "3", grafanaDatabaseUrl: DB_URL });
    });

    it("every object passes its schema", () => {
        assert.ok(validateAllKubernetesObjects(rs) >= 10);
    });

    it("runs three Grafanas on the database: no claim, an emptyDir for /var/lib/grafana, rolled one at a time, spread over nodes", () => {
        const d = named(rs, T.deployment, "grafana")!.plain;
        assert.equal(d.spec.replicas, 3);
        assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        assert.equal(ofType(rs, T.pvc).length, 0, "no ReadWriteOnce claim");
        assert.deepEqual(d.spec.template.spec.volumes, [{ name: "grafana-data", emptyDir: {} }]);
        assert.equal(d.spec.template.spec.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
    });

    it("gives Grafana the database URL and a generated secret_key, both from the credentials Secret, never in plain text", () => {
        const grafana = named(rs, T.deployment, "grafana")!.plain.spec.template.spec.containers[0];
        const env = envOf(grafana);
        const secret = one(rs, T.secret);
        const secretName = `${secret.name}-7c1e9a2b`;
        assert.deepEqual(env.GF_DATABASE_URL.valueFrom, { secretKeyRef: { name: secretName, key: "database-url" } });
        assert.deepEqual(env.GF_SECURITY_SECRET_KEY.valueFrom, { secretKeyRef: { name: secretName, key: "secret-key" } });
        assert.equal(env.GF_DATABASE_TYPE.value, "postgres");
        assert.equal(secret.plain.stringData["database-url"], DB_URL);
        const key = one(rs, T.random, "secrets-grafana-secret-key");
        assert.equal(key.plain.length, 40);
        assert.equal(key.plain.special, false);
        assert.match(secret.plain.stringData["secret-key"], /^generated-secrets-grafana-secret-key/);
        // Nothing registered shows the URL or its password outside a secret.
        const shown = JSON.stringify(rs.map((r) => withoutSecrets(r.inputs)));
        assert.ok(!shown.includes("s3cr3t") && !shown.includes("db.example.internal"), "the database URL only as a secret");
    });

    it("forms the alerting HA cluster: ha_peers on the headless Service, the pod IP from the downward API as the advertised address", () => {
        const grafana = named(rs, T.deployment, "grafana")!.plain.spec.template.spec.containers[0];
        const env = envOf(grafana);
        assert.equal(env.GF_UNIFIED_ALERTING_HA_PEERS.value, `grafana-alerting.${NS}:9094`);
        assert.deepEqual(env.POD_IP.valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
        assert.equal(env.GF_UNIFIED_ALERTING_HA_ADVERTISE_ADDRESS.value, "$(POD_IP):9094");
        const names = grafana.env.map((e: any) => e.name);
        assert.ok(
            names.indexOf("POD_IP") < names.indexOf("GF_UNIFIED_ALERTING_HA_ADVERTISE_ADDRESS"),
            "the kubelet expands $(POD_IP) only from an earlier variable",
        );
        assert.deepEqual(
            grafana.ports.filter((p: any) => p.containerPort === 9094).map((p: any) => p.protocol),
            ["TCP", "UDP"],
        );
    });

    it("the headless Service resolves to the Grafana pods only, on 9094 TCP and UDP, ready or not", () => {
        const svc = named(rs, T.service, "grafana-alerting")!.plain;
        assert.equal(svc.spec.clusterIP, "None");
        assert.equal(svc.spec.publishNotReadyAddresses, true);
        assert.deepEqual(
            svc.spec.ports.map((p: any) => [p.port, p.protocol]),
            [
                [9094, "TCP"],
                [9094, "UDP"],
            ],
        );
        const grafanaPod = named(rs, T.deployment, "grafana")!.plain.spec.template.metadata.labels;
        const rendererPod = named(rs, T.deployment, "grafana-image-renderer")!.plain.spec.template.metadata.labels;
        assert.ok(matches(svc.spec.selector, grafanaPod));
        assert.ok(!matches(svc.spec.selector, rendererPod));
    });

    it("a PodDisruptionBudget takes one Grafana at a time; the NetworkPolicy admits Grafana's port and the gossip between Grafana pods", () => {
        const grafanaPod = named(rs, T.deployment, "grafana")!.plain.spec.template.metadata.labels;
        const pdb = named(rs, T.pdb, "grafana")!.plain;
        assert.equal(pdb.spec.maxUnavailable, 1);
        assert.ok(matches(pdb.spec.selector.matchLabels, grafanaPod));
        const np = named(rs, T.networkPolicy, "grafana-ingress")!.plain;
        assert.ok(matches(np.spec.podSelector.matchLabels, grafanaPod));
        assert.deepEqual(
            np.spec.ingress[0],
            { ports: [{ protocol: "TCP", port: 3000 }] },
            "Grafana's port from anywhere, as without the policy",
        );
        const gossip = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9094));
        assert.deepEqual(gossip.ports, [
            { protocol: "TCP", port: 9094 },
            { protocol: "UDP", port: 9094 },
        ]);
        assert.ok(matches(gossip.from[0].podSelector.matchLabels, grafanaPod), "from Grafana pods");
        assert.equal(gossip.from[0].namespaceSelector, undefined, "of this namespace only");
    });
});

describe("Grafana HA, operator mode (v1beta1): the same through the Grafana CR", function () {
    let rs: RegisteredResource[];
    before(async () => {
        rs = await run({ kubernetesMode: "operator", grafanaReplicas: "2", grafanaDatabaseUrl: DB_URL.replace("postgres:", "mysql:") });
    });

    it("passes the grafana-operator v5.24.0 CRD", () => {
        validateAllKubernetesObjects(rs);
    });

    it("replicas, rolling updates and no claim in spec.deployment; the database type and HA in spec.config, as the operator's multiple_replicas example", () => {
        const spec = one(rs, T.grafanaV5).plain.spec;
        assert.equal(spec.deployment.spec.replicas, 2);
        assert.equal(spec.deployment.spec.strategy.type, "RollingUpdate");
        assert.equal(spec.persistentVolumeClaim, undefined);
        assert.ok(!spec.deployment.spec.template.spec.volumes.some((v: any) => v.name === "grafana-data"), "the operator's emptyDir stays");
        assert.deepEqual(spec.config.database, { type: "mysql" });
        assert.equal(spec.config.unified_alerting.ha_peers, `grafana-alerting.${NS}:9094`, "the operator's own <name>-alerting Service");
        assert.equal(spec.config.unified_alerting.ha_advertise_address, "${POD_IP}:9094");
        assert.equal(spec.config.unified_alerting.ha_listen_address, "${POD_IP}:9094");
        const grafana = spec.deployment.spec.template.spec.containers.find((c: any) => c.name === "grafana");
        const env = envOf(grafana);
        assert.deepEqual(env.POD_IP.valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
        assert.equal(env.GF_DATABASE_URL.valueFrom.secretKeyRef.key, "database-url");
        assert.equal(env.GF_SECURITY_SECRET_KEY.valueFrom.secretKeyRef.key, "secret-key");
    });

    it("a PodDisruptionBudget on the operator's pods and gossip admitted between them; no Service of our own for the peers", () => {
        const pdb = named(rs, T.pdb, "grafana")!.plain;
        assert.deepEqual(pdb.spec.selector.matchLabels, { app: "grafana" });
        const np = named(rs, T.networkPolicy, "grafana-ingress")!.plain;
        const gossip = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9094));
        assert.deepEqual(gossip.from, [{ podSelector: { matchLabels: { app: "grafana" } } }]);
        assert.equal(named(rs, T.service, "grafana-alerting"), undefined, "the operator creates grafana-alerting itself (v5.17+)");
    });
});

describe("Grafana on an external database with one replica", function () {
    it("separate: no PVC, rolling updates, the database from the Secret, but no HA cluster objects", async () => {
        const rs = await run({ kubernetesMode: "separate", grafanaDatabaseUrl: DB_URL });
        validateAllKubernetesObjects(rs);
        const d = named(rs, T.deployment, "grafana")!.plain;
        assert.equal(d.spec.replicas, 1);
        assert.equal(d.spec.strategy.type, "RollingUpdate");
        assert.equal(ofType(rs, T.pvc).length, 0);
        const env = envOf(d.spec.template.spec.containers[0]);
        assert.ok(env.GF_DATABASE_URL && env.GF_SECURITY_SECRET_KEY);
        assert.equal(env.GF_UNIFIED_ALERTING_HA_PEERS, undefined);
        assert.equal(named(rs, T.service, "grafana-alerting"), undefined);
        assert.equal(named(rs, T.pdb, "grafana"), undefined);
        assert.equal(named(rs, T.networkPolicy, "grafana-ingress"), undefined);
    });

    it("without a database: SQLite on the claim, Recreate, no database URL or HA peers (a new stack's own secret_key only)", async () => {
        const rs = await run({ kubernetesMode: "separate" }, []);
        const d = named(rs, T.deployment, "grafana")!.plain;
        assert.equal(d.spec.replicas, 1);
        assert.deepEqual(d.spec.strategy, { type: "Recreate" });
        assert.equal(ofType(rs, T.pvc).length, 1);
        const env = envOf(d.spec.template.spec.containers[0]);
        for (const name of ["GF_DATABASE_URL", "POD_IP", "GF_UNIFIED_ALERTING_HA_PEERS"]) assert.equal(env[name], undefined, name);
        // Every new Grafana gets the stack's generated key (issue 23; test/grafanaSecretKey.test.ts).
        assert.equal(env.GF_SECURITY_SECRET_KEY.valueFrom.secretKeyRef.key, "secret-key");
    });
});

describe("Grafana HA: config problems", function () {
    const K8S = { target: "kubernetes", kubernetesMode: "separate" };

    it("more than one replica without a database names grafanaReplicas and says how to add one", () => {
        const e = problems({ ...K8S, grafanaReplicas: "2" });
        const p = e.problems.find((x) => x.key === "grafanaReplicas")!;
        assert.equal(p.given, "2 without grafanaDatabaseUrl");
        assert.match(p.fix, /pulumi config set --secret grafanaDatabaseUrl 'postgres:\/\/.*'.*pulumi config set grafanaReplicas 1/);
    });

    it("Docker refuses more than one replica, and a database URL", () => {
        const e = problems({ grafanaReplicas: "2", grafanaDatabaseUrl: DB_URL }, ["grafanaDatabaseUrl"]);
        assert.deepEqual(e.problems.map((p) => p.key).sort(), ["grafanaDatabaseUrl", "grafanaReplicas"], "both at once");
        assert.match(e.message, /grafanaReplicas: got 2 with target "docker"; allowed: 1 with target docker/);
        assert.match(e.message, /fix: pulumi config set grafanaReplicas 1/);
    });

    it("a database URL stored in plain text is refused, without showing it", () => {
        const e = problems({ ...K8S, grafanaReplicas: "3", grafanaDatabaseUrl: DB_URL });
        const p = e.problems.find((x) => x.key === "grafanaDatabaseUrl")!;
        assert.equal(p.given, "a value stored in plain text in the stack file");
        assert.match(p.fix, /pulumi config rm grafanaDatabaseUrl && pulumi config set --secret grafanaDatabaseUrl/);
        assert.ok(!e.message.includes("s3cr3t") && !e.message.includes("db.example.internal"));
    });

    it("a URL Grafana cannot use: scheme postgresql, no database name, not a URL; never quoted", () => {
        for (const [url, given] of [
            ["postgresql://u:pw@db:5432/grafana", 'a URL with scheme "postgresql"'],
            ["postgres://u:pw@db:5432/", "a postgres URL without a database name (the path)"],
            ["sqlite3:///var/lib/grafana/grafana.db", 'a URL with scheme "sqlite3"'],
            ["db:5432", 'a URL with scheme "db"'],
            ["not a url", "a value that is not a URL"],
        ]) {
            const e = problems({ ...K8S, grafanaDatabaseUrl: url }, ["grafanaDatabaseUrl"]);
            const p = e.problems.find((x) => x.key === "grafanaDatabaseUrl")!;
            assert.equal(p.given, given, url);
            assert.ok(!e.message.includes("pw@"), "the value is never shown");
        }
    });

    it("sidecar, renderer mode and operator v1alpha1 refuse several replicas with the fix that applies", () => {
        const secret = ["grafanaDatabaseUrl"];
        assert.match(
            problems({ target: "kubernetes", kubernetesMode: "sidecar", grafanaReplicas: "2", grafanaDatabaseUrl: DB_URL }, secret).message,
            /grafanaReplicas: got 2 with kubernetesMode "sidecar".*\n.*fix: pulumi config set kubernetesMode separate/,
        );
        assert.match(
            problems({ target: "kubernetes", kubernetesMode: "operator", operatorApiVersion: "v1alpha1", grafanaReplicas: "2" }).message,
            /grafanaReplicas: got 2 with operatorApiVersion "v1alpha1".*\n.*fix: pulumi config set operatorApiVersion v1beta1/,
        );
        assert.match(
            problems({
                target: "kubernetes",
                kubernetesMode: "renderer",
                grafanaCallbackUrl: "http://grafana.monitoring",
                grafanaReplicas: "2",
            }).message,
            /grafanaReplicas: got 2 with kubernetesMode "renderer"; allowed: nothing: this stack deploys no Grafana/,
        );
    });
});
