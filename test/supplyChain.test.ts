// Supply chain (issue 23): every locked package is checked against an integrity hash, npm
// before 11 (which ignores `allowScripts`) refuses to install instead of running install
// scripts, images may be pinned by digest, and a moving major-only or minor-only tag is a
// warning that names the release to pin.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { DEFAULT_GRAFANA_IMAGE, DEFAULT_RENDERER_IMAGE, parseImageRef, pinProblem, pinWarning } from "../components/shared/images";
import { fakeConfigSource } from "./harness/configSource";
import { ofType } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";

const ROOT = path.resolve(__dirname, "..");
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("supply chain: npm", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

    it("every package in the lock carries an integrity hash (npm ci checks each download against it)", () => {
        const missing = Object.entries(lock.packages as Record<string, { integrity?: string; link?: boolean }>)
            .filter(([name, entry]) => name !== "" && !entry.link && !/^sha512-[A-Za-z0-9+/]{86}==$/.test(entry.integrity ?? ""))
            .map(([name]) => name);
        assert.deepEqual(missing, []);
    });

    it("allowScripts is read by npm 11; older npm refuses to install (engines.npm with engine-strict) instead of running every install script", () => {
        assert.ok(pkg.allowScripts && typeof pkg.allowScripts === "object");
        const floor = semver.minVersion(pkg.engines.npm);
        assert.ok(floor && floor.major >= 11, `engines.npm ${pkg.engines.npm}`);
        assert.equal(lock.packages[""].engines.npm, pkg.engines.npm, "the lock's root entry agrees");
        const npmrc = fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8");
        assert.match(npmrc, /^engine-strict=true$/m, "without it npm only warns about engines");
    });
});

describe("supply chain: the e2e toolchain's Go modules", () => {
    const script = fs.readFileSync(path.join(ROOT, "scripts", "e2e-toolchain.sh"), "utf8");
    const versions = fs.readFileSync(path.join(ROOT, "scripts", "e2e-versions.env"), "utf8");
    const code = (text: string) =>
        text
            .split("\n")
            .filter((l) => !/^\s*#/.test(l))
            .join("\n");

    it("builds against the pinned go.sum only: -mod=readonly, no checksum database switched off or bypassed", () => {
        assert.match(code(script), /GOFLAGS="[^"]*-mod=readonly[^"]*"/);
        for (const escape of [/-mod=mod/, /GONOSUMDB|GONOSUMCHECK|GOFLAGS=[^\n]*-insecure|GOINSECURE|GOSUMDB=off|GOPRIVATE/])
            assert.doesNotMatch(code(script) + code(versions), escape);
    });

    it("every pinned module has its go.sum next to its go.mod", () => {
        const dir = path.join(ROOT, "scripts", "e2e-gomod");
        for (const m of fs.readdirSync(dir)) {
            const sum = fs.readFileSync(path.join(dir, m, "go.sum"), "utf8");
            assert.ok(fs.existsSync(path.join(dir, m, "go.mod")), m);
            assert.ok(sum.split("\n").filter((l) => / h1:[A-Za-z0-9+/]{43}=$/.test(l)).length > 50, `${m}/go.sum`);
        }
    });
});

describe("supply chain: image pinning", () => {
    function settings(values: Record<string, string>) {
        return readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", "test");
    }

    it("pinned by digest, with or without a tag, is accepted", () => {
        for (const ref of [
            `grafana/grafana@${DIGEST}`,
            `grafana/grafana:13.1.1@${DIGEST}`,
            `registry.local:5000/grafana/grafana@${DIGEST}`,
        ])
            assert.equal(pinProblem(parseImageRef(ref)), undefined, ref);
        const s = settings({ grafanaImage: `grafana/grafana@${DIGEST}`, rendererImage: `${DEFAULT_RENDERER_IMAGE}@${DIGEST}` });
        assert.equal(s.grafanaImage.digest, DIGEST);
        assert.equal(s.rendererMajor, 5, "read from the tag");
        const noVersion = s.warnings.find((w) => w.startsWith("grafanaImage"));
        assert.match(noVersion ?? "", /pinned by digest, but without a version tag no version can be read/);
        assert.ok(noVersion?.includes(`${DEFAULT_GRAFANA_IMAGE}@${DIGEST}`), noVersion);
        assert.ok(!s.warnings.some((w) => w.startsWith("rendererImage")), "tag and digest: nothing to say");
    });

    it("a malformed digest is refused, naming what a digest is", () => {
        assert.throws(
            () => settings({ grafanaImage: "grafana/grafana:13.1.1@sha256:abc" }),
            (e: unknown) =>
                e instanceof ConfigValidationError &&
                /grafanaImage: got "grafana\/grafana:13\.1\.1@sha256:abc", which has the digest "sha256:abc", which is not sha256: followed by 64 lower-case hex digits/.test(
                    e.message,
                ),
        );
    });

    it("a major-only or minor-only tag is a warning naming the release to pin", () => {
        const w = (ref: string, key: string, pinned: string) => pinWarning(parseImageRef(ref), key, pinned);
        assert.match(
            w("grafana/grafana:13", "grafanaImage", DEFAULT_GRAFANA_IMAGE)!,
            /"13" is a moving tag .*pin a release: grafana\/grafana:13\.1\.1$/,
        );
        assert.match(
            w("grafana/grafana:13.1-ubuntu", "grafanaImage", DEFAULT_GRAFANA_IMAGE)!,
            /pin a release: grafana\/grafana:13\.1\.1-ubuntu$/,
        );
        assert.match(
            w("grafana/grafana:12", "grafanaImage", DEFAULT_GRAFANA_IMAGE)!,
            /pin a release: grafana\/grafana:12\.<minor>\.<patch> \(a release of that line; this program's default is grafana\/grafana:13\.1\.1\)$/,
        );
        assert.match(
            w("grafana/grafana-image-renderer:v5", "rendererImage", DEFAULT_RENDERER_IMAGE)!,
            /pin a release: grafana\/grafana-image-renderer:v5\.11\.1$/,
        );
        for (const pinned of ["grafana/grafana:13.1.1", "grafana/grafana:12.0.0-security-01", `grafana/grafana:13@${DIGEST}`])
            assert.equal(w(pinned, "grafanaImage", DEFAULT_GRAFANA_IMAGE), undefined, pinned);
        const s = settings({ grafanaImage: "grafana/grafana:13" });
        assert.ok(
            s.warnings.some((x) => /^grafanaImage grafana\/grafana:13: "13" is a moving tag/.test(x)),
            s.warnings.join("\n"),
        );
    });

    it("a digest-pinned image is pulled as written (Docker and Kubernetes)", async () => {
        const ref = `grafana/grafana:13.1.1@${DIGEST}`;
        const docker = await runStack({ verify: "false", grafanaImage: ref }, { stack: "dev" });
        assert.equal(docker.error, undefined, String(docker.error));
        assert.ok(ofType(docker.resources, "docker:index/remoteImage:RemoteImage").some((i) => i.plain.name === ref));
        const k8s = await runStack({ verify: "false", target: "kubernetes", kubernetesMode: "sidecar", grafanaImage: ref });
        assert.equal(k8s.error, undefined, String(k8s.error));
        assert.ok(JSON.stringify(k8s.resources.map((r) => r.plain)).includes(`"image":"${ref}"`));
    });
});
