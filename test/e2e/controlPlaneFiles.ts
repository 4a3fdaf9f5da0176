// The pure parts of the live e2e's control plane (controlPlane.ts): each component's
// command line, the openssl steps for its certificates, the kubeconfig, the fake Node and
// the default StorageClass. Every listening address is 127.0.0.1 (a unit test checks it).
import * as path from "path";

export interface Ports {
    etcd: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    scheduler: number;
}

/** Files under the control plane's folder. */
export function files(dir: string) {
    const pki = path.join(dir, "pki");
    return {
        pki,
        ca: { crt: path.join(pki, "ca.crt"), key: path.join(pki, "ca.key") },
        apiserver: { crt: path.join(pki, "apiserver.crt"), key: path.join(pki, "apiserver.key") },
        admin: { crt: path.join(pki, "admin.crt"), key: path.join(pki, "admin.key") },
        sa: { key: path.join(pki, "sa.key"), pub: path.join(pki, "sa.pub") },
        etcdData: path.join(dir, "etcd-data"),
        certDir: path.join(dir, "serving-certs"),
        auditPolicy: path.join(dir, "audit-policy.yaml"),
        auditLog: path.join(dir, "logs", "audit.log"),
    };
}

/** The Service CIDR (the apiserver's) and the pod CIDR kwok hands out addresses from: disjoint. */
export const SERVICE_CIDR = "10.96.0.0/16";
export const POD_CIDR = "10.244.0.1/16";
export const NODE_NAME = "kwok-node-0";

/** The certificates the e2e makes: a CA, the apiserver's serving certificate, one client (system:masters). */
export const CERTS = {
    apiserverSans: [
        "IP:127.0.0.1",
        "IP:10.96.0.1",
        "DNS:localhost",
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local",
    ],
    adminSubject: "/O=system:masters/CN=grafana-slack-alerts-e2e",
};

/** openssl command lines (EC P-256 keys, 1-day certificates) and the extension files they read. */
export function opensslSteps(dir: string): { args: string[]; extFile?: { path: string; text: string } }[] {
    const f = files(dir);
    const key = (out: string) => ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out];
    const sign = (csr: string, crt: string, ext: string) => [
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        f.ca.crt,
        "-CAkey",
        f.ca.key,
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        ext,
        "-out",
        crt,
    ];
    const csr = (k: string, subj: string, out: string) => ["req", "-new", "-key", k, "-subj", subj, "-out", out];
    const serverExt = path.join(f.pki, "apiserver.ext");
    const clientExt = path.join(f.pki, "client.ext");
    return [
        { args: key(f.ca.key) },
        {
            args: ["req", "-x509", "-new", "-key", f.ca.key, "-subj", "/CN=grafana-slack-alerts-e2e-ca", "-days", "1", "-out", f.ca.crt],
        },
        { args: key(f.apiserver.key) },
        { args: csr(f.apiserver.key, "/CN=kube-apiserver", f.apiserver.crt + ".csr") },
        {
            args: sign(f.apiserver.crt + ".csr", f.apiserver.crt, serverExt),
            extFile: {
                path: serverExt,
                text: `subjectAltName=${CERTS.apiserverSans.join(",")}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
            },
        },
        { args: key(f.admin.key) },
        { args: csr(f.admin.key, CERTS.adminSubject, f.admin.crt + ".csr") },
        {
            args: sign(f.admin.crt + ".csr", f.admin.crt, clientExt),
            extFile: { path: clientExt, text: "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n" },
        },
        { args: key(f.sa.key) },
        { args: ["pkey", "-in", f.sa.key, "-pubout", "-out", f.sa.pub] },
    ];
}

const lo = "127.0.0.1";

/** Where the components are: their folder, ports, kubeconfig, and kwok's stages (in the toolchain). */
export interface Layout {
    dir: string;
    ports: Ports;
    kubeconfig: string;
    kwokStages: string;
}

export function etcdArgs({ dir, ports }: Layout): string[] {
    const f = files(dir);
    const etcdUrl = `http://${lo}:${ports.etcd}`;
    const peerUrl = `http://${lo}:${ports.etcdPeer}`;
    return [
        "--name=e2e",
        `--data-dir=${f.etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=e2e=${peerUrl}`,
        // A throwaway store: no fsync (etcd's own option for tests), warnings only.
        "--unsafe-no-fsync",
        "--log-level=warn",
    ];
}

export function apiserverArgs({ dir, ports }: Layout): string[] {
    const f = files(dir);
    return [
        `--etcd-servers=http://${lo}:${ports.etcd}`,
        `--bind-address=${lo}`,
        `--advertise-address=${lo}`,
        `--secure-port=${ports.apiserver}`,
        // The apiserver would publish its (loopback) address as the `kubernetes` Service's endpoints, which the API rejects.
        "--endpoint-reconciler-type=none",
        `--tls-cert-file=${f.apiserver.crt}`,
        `--tls-private-key-file=${f.apiserver.key}`,
        `--client-ca-file=${f.ca.crt}`,
        `--service-account-key-file=${f.sa.pub}`,
        `--service-account-signing-key-file=${f.sa.key}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--authorization-mode=Node,RBAC",
        `--cert-dir=${f.certDir}`,
        `--audit-policy-file=${f.auditPolicy}`,
        `--audit-log-path=${f.auditLog}`,
    ];
}

export function controllerManagerArgs({ dir, ports, kubeconfig }: Layout): string[] {
    const f = files(dir);
    return [
        `--kubeconfig=${kubeconfig}`,
        `--bind-address=${lo}`,
        `--secure-port=${ports.controllerManager}`,
        `--cert-dir=${f.certDir}`,
        "--leader-elect=false",
        "--enable-hostpath-provisioner",
        `--root-ca-file=${f.ca.crt}`,
        `--service-account-private-key-file=${f.sa.key}`,
    ];
}

export function schedulerArgs({ dir, ports, kubeconfig }: Layout): string[] {
    const certDir = files(dir).certDir;
    return [
        `--kubeconfig=${kubeconfig}`,
        `--bind-address=${lo}`,
        `--secure-port=${ports.scheduler}`,
        `--cert-dir=${certDir}`,
        "--leader-elect=false",
    ];
}

/** No --server-address and no --node-port: kwok's own server (logs, exec, port-forward) stays off. */
export function kwokArgs({ kubeconfig, kwokStages }: Layout): string[] {
    return [`--kubeconfig=${kubeconfig}`, `--config=${kwokStages}`, "--manage-all-nodes=true", `--cidr=${POD_CIDR}`, `--node-ip=${lo}`];
}

/** A kubeconfig for the e2e's client identity, certificates inline. */
export function kubeconfigYaml(server: string, caPem: string, certPem: string, keyPem: string): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: e2e\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${b64(caPem)}`,
        "users:",
        `- name: e2e\n  user:\n    client-certificate-data: ${b64(certPem)}\n    client-key-data: ${b64(keyPem)}`,
        "contexts:",
        "- name: e2e\n  context:\n    cluster: e2e\n    user: e2e",
        "current-context: e2e",
        "",
    ].join("\n");
}

/**
 * The apiserver's audit policy: one line per write, so the e2e can see which objects the
 * server answered a dry run for (a preview's server-side check); metadata only, except the
 * PersistentVolumes the host-path provisioner creates, whose paths the e2e removes at stop
 * even when the apiserver is gone by then.
 */
export const AUDIT_POLICY = [
    "apiVersion: audit.k8s.io/v1",
    "kind: Policy",
    "omitStages: [RequestReceived]",
    "rules:",
    "- level: Request",
    "  verbs: [create]",
    '  resources: [{ group: "", resources: [persistentvolumes] }]',
    "- level: Metadata",
    "  verbs: [create, patch, update, delete]",
    "- level: None",
    "",
].join("\n");

/** One audit event, as far as the e2e reads it. */
export interface AuditEvent {
    verb: string;
    requestURI: string;
    userAgent?: string;
    objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
    responseStatus?: { code?: number };
    requestObject?: any;
}

/** The directories of the host-path PersistentVolumes created (the provisioner makes /tmp/hostpath_pv/<uuid>). */
export function hostPathVolumes(events: AuditEvent[]): string[] {
    const paths = events
        .filter((e) => e.verb === "create" && e.objectRef?.resource === "persistentvolumes")
        .map((e) => e.requestObject?.spec?.hostPath?.path)
        .filter((p): p is string => typeof p === "string" && /^\/tmp\/hostpath_pv\/[0-9a-f-]+$/.test(p));
    return [...new Set(paths)];
}

/** `<resource>/<name>` of every object a dry-run write was answered 2xx for (a preview's checks passed on the server). */
export function dryRunsAccepted(events: AuditEvent[]): Set<string> {
    const out = new Set<string>();
    for (const e of events) {
        const code = e.responseStatus?.code ?? 0;
        if (!/[?&]dryRun=All\b/.test(e.requestURI) || code < 200 || code > 299 || !e.objectRef?.resource) continue;
        out.add(`${e.objectRef.resource}/${e.objectRef.name ?? ""}`);
    }
    return out;
}

/** The one fake Node, sized like a small real node; kwok keeps the capacity it is given. */
export const NODE = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
        name: NODE_NAME,
        labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
        annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
    },
    status: {
        allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
        capacity: { cpu: "4", memory: "16Gi", pods: "110" },
    },
};

/** The default StorageClass: the controller-manager's host-path provisioner (--enable-hostpath-provisioner). */
export const STORAGE_CLASS = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "kubernetes.io/host-path",
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
};
