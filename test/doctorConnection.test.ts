// doctor as a person runs it, for what happens before and after the checks: an address that
// can never answer fails at once with the reason in words (no 10 s of retries), a line shows
// progress while it waits for a Grafana that is still starting, and --out saves the rendered
// panel. Child processes against the fake Grafana, like test/doctor.test.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { readPngHeader } from "../components/verify/png";
import { FakeGrafana } from "./fakes";
import { runDoctor as doctor } from "./harness/doctorProcess";

const FAST = JSON.stringify({ healthIntervalMs: 5, healthMaxIntervalMs: 20, requestTimeoutMs: 2000 });

/** A port nothing listens on (connections are refused), from the ephemeral range. */
async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
}

describe("doctor: connection errors, progress, --out (child process)", function () {
    this.timeout(60_000);
    let grafana: FakeGrafana | undefined;
    let tmp: string;

    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-doctor-"))));
    afterEach(async () => {
        await grafana?.close();
        grafana = undefined;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("errors that waiting cannot fix fail at once, the reason in words: refused, unknown host, a port fetch refuses", async () => {
        const port = await closedPort();
        const cases: Array<[string, RegExp]> = [
            [
                `http://127.0.0.1:${port}`,
                new RegExp(
                    `the connection to 127\\.0\\.0\\.1:${port} was refused: nothing listens there \\(Grafana is not running, or the port is not published or forwarded\\)`,
                ),
            ],
            // .invalid never resolves (RFC 6761), with or without network.
            [
                "http://grafana.invalid:3000",
                /the host name grafana\.invalid does not resolve \(DNS\): a typo, or a name only known inside Docker or the cluster/,
            ],
            [
                "http://127.0.0.1:6000",
                /fetch refuses to connect to port 6000 \(a port browsers block, on the Fetch standard's bad-port list\)/,
            ],
        ];
        const runs = await Promise.all(
            cases.map(([url]) => doctor(["--json", "--grafana-url", url, "--timing", FAST], { GRAFANA_AUTH: "admin:x" })),
        );
        runs.forEach((r, i) => {
            assert.equal(r.code, 1, r.stderr);
            const out = JSON.parse(r.stdout);
            const health = out.checks.find((c: { id: string }) => c.id === "grafana.health");
            assert.equal(health.status, "fail");
            assert.equal(health.key, "grafana_connection");
            assert.match(health.finding, /^Grafana cannot be reached at http:\/\/[^:]+:\d+: /);
            assert.match(health.finding, cases[i][1]);
            assert.match(health.finding, /waiting would not change that, so it was not retried$/);
            assert.match(health.fix, /fix the address or start Grafana/);
            // A progress line precedes every pause between attempts: none means no retry, no wait.
            assert.doesNotMatch(r.stderr, /waiting for Grafana/);
        });
    });

    it("with --health-timeout it waits through a refused connection, with a progress line per attempt", async () => {
        const url = `http://127.0.0.1:${await closedPort()}`;
        const r = await doctor(["--grafana-url", url, "--health-timeout", "0.4", "--timing", FAST], { GRAFANA_AUTH: "admin:x" });
        assert.equal(r.code, 1);
        const m = /FAIL {2}grafana\.health +Grafana is up: Grafana is not up at .* \((\d+) attempts, last: connection refused\)/.exec(
            r.stdout,
        );
        assert.ok(m && Number(m[1]) >= 2, r.stdout);
        const progress = r.stderr.split("\n").filter((l) => l.startsWith("doctor: waiting for Grafana"));
        assert.equal(progress.length, Number(m[1]) - 1, "one line per pause between attempts");
        assert.match(
            progress[0],
            new RegExp(
                `^doctor: waiting for Grafana at ${url.replace(/[.]/g, "\\.")}: attempt 1 got connection refused; next try in [\\d.]+ s, giving up in [\\d.]+ s$`,
            ),
        );
    });

    it("shows progress while Grafana is starting (HTTP 503), then passes; --json keeps stdout one JSON object", async () => {
        grafana = await FakeGrafana.start({ faults: [{ endpoint: "health", status: 503, times: 2 }] });
        const r = await doctor(["--json", "--grafana-url", grafana.url, "--timing", FAST], { GRAFANA_AUTH: grafana.auth });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.checks[0].status, "pass");
        assert.equal(out.grafana.healthAttempts, 3);
        const progress = r.stderr.split("\n").filter((l) => l.startsWith("doctor: waiting for Grafana"));
        assert.equal(progress.length, 2);
        assert.match(progress[1], /attempt 2 got HTTP 503/);
    });

    it("--out saves the rendered panel as the PNG Grafana returned", async () => {
        grafana = await FakeGrafana.start();
        const file = path.join(tmp, "panel.png");
        const r = await doctor(
            ["--json", "--grafana-url", grafana.url, "--width", "1200", "--height", "600", "--out", file, "--timing", FAST],
            { GRAFANA_AUTH: grafana.auth },
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.savedImage, file);
        const png = fs.readFileSync(file);
        assert.deepEqual(readPngHeader(png), { ok: true, width: 1200, height: 600 });
        assert.equal(png.length, out.image.bytes);
        assert.match(r.stderr, new RegExp(`doctor: saved the rendered panel \\(1200x600 PNG\\) to ${file.replace(/[.]/g, "\\.")}`));
    });

    it("--out saves nothing when the panel did not render, and a missing directory is bad usage", async () => {
        grafana = await FakeGrafana.start({ renderMode: "placeholder" });
        const file = path.join(tmp, "panel.png");
        const r = await doctor(["--grafana-url", grafana.url, "--out", file, "--timing", FAST], { GRAFANA_AUTH: grafana.auth });
        assert.equal(r.code, 1);
        assert.ok(!fs.existsSync(file));
        assert.match(r.stderr, /nothing saved to .*panel\.png: the panel did not render/);
        const bad = await doctor(["--grafana-url", grafana.url, "--out", path.join(tmp, "no", "such", "dir", "p.png")]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--out: the directory .*no\/such\/dir does not exist/);
    });
});
