// Hostile files in the provisioning folders (issue 23): an alias bomb, an alias cycle, a
// link to /dev/zero, a FIFO, a link out of the folder and oversized files are each a config
// problem naming the file, reported with every other problem, within seconds; nothing is read
// that is not a regular file inside the folder.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { readAlertRuleFiles } from "../components/config/provisioning/alertRuleFiles";
import { readDashboardFiles } from "../components/config/provisioning/dashboardFiles";
import { MAX_FILE_BYTES, MAX_FOLDER_BYTES, structureProblem } from "../components/config/provisioning/files";
import { fakeConfigSource } from "./harness/configSource";

const made: string[] = [];
after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-hostile-"));
    made.push(dir);
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

/** The 777-byte "billion laughs" of the issue: nine levels of nine aliases each, 9^9 strings. */
const ALIAS_BOMB = [
    "apiVersion: 1",
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ..."bcdefghi".split("").map((c, i) => {
        const prev = "abcdefghi"[i];
        return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(",")}]`;
    }),
    "groups: [*i]",
].join("\n");

/** The config error readSettings throws for these folders, and how long reading took. */
function problemsFor(values: Record<string, string>, dir: string): { err: ConfigValidationError; ms: number } {
    const start = Date.now();
    try {
        readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", "test", dir);
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, String(e));
        return { err: e, ms: Date.now() - start };
    }
    assert.fail("expected a ConfigValidationError");
}

describe("hostile provisioning files: refused, naming the file, within seconds", function () {
    this.timeout(20_000);

    it("an alias bomb, an alias cycle and a /dev/zero link: three problems in one error, with the other config problems", () => {
        const dir = project({ "rules/bomb.yaml": ALIAS_BOMB, "rules/cycle.yaml": "apiVersion: 1\ngroups: [{model: &m {self: *m}}]\n" });
        fs.symlinkSync("/dev/zero", path.join(dir, "rules", "zero.yaml"));
        const { err, ms } = problemsFor({ alertRulesDir: "rules", target: "bogus" }, dir);
        assert.ok(ms < 5_000, `took ${ms} ms`);
        assert.ok(
            err.problems.some((p) => p.key === "target"),
            "the other problem is reported too",
        );
        const given = err.problems.filter((p) => p.key === "alertRulesDir").map((p) => p.given);
        assert.deepEqual(
            given.map((g) => g.split(":")[0]),
            ["rules/bomb.yaml", "rules/cycle.yaml", "rules/zero.yaml"],
        );
        assert.match(given[0], /aliases expand to more than 100000 nodes/);
        assert.match(given[1], /a cycle/);
        assert.match(given[2], /symbolic link to \/dev\/zero, outside the folder/);
        assert.match(err.message, /nothing was created/);
    });

    it("too many aliases stop the parser itself", () => {
        const many = `apiVersion: 1\nx: &x 1\ngroups: [${Array(1001).fill("*x").join(",")}]\n`;
        const r = readAlertRuleFiles("rules", project({ "rules/many.yaml": many }), "ds");
        assert.equal(r.problems.length, 1);
        assert.match(r.problems[0].given, /^rules\/many\.yaml: is not valid YAML \(.*aliases exceeded maxAliases \(1000\)/);
    });

    it("aliases that expand to a little are fine (Grafana's YAML reader takes them too)", () => {
        const small = { a: [1, 2, 3] };
        const doc = { x: small, y: small, z: [small, small] };
        assert.equal(structureProblem(doc), undefined);
        const cyclic: Record<string, unknown> = {};
        cyclic.self = { back: cyclic };
        assert.match(structureProblem(cyclic) ?? "", /cycle/);
    });

    it("a dashboard nested 200000 levels deep is a problem naming the file, not a stack overflow", () => {
        const deep = "[".repeat(200_000) + "]".repeat(200_000);
        const r = readDashboardFiles("d", project({ "d/deep.json": `{"uid":"deep","title":"t","panels":[],"x":${deep}}` }), "ds");
        assert.deepEqual(
            r.problems.map((p) => p.given),
            ["d/deep.json: nests deeper than 500 levels"],
        );
    });

    it("a FIFO is refused at once instead of waiting for a writer", () => {
        const dir = project({ "rules/.keep": "" });
        execFileSync("mkfifo", [path.join(dir, "rules", "pipe.yaml")]);
        const start = Date.now();
        const r = readAlertRuleFiles("rules", dir, "ds");
        assert.ok(Date.now() - start < 2_000);
        assert.deepEqual(
            r.problems.map((p) => p.given),
            ["rules/pipe.yaml: is a named pipe (FIFO)"],
        );
        assert.equal(r.problems[0].allowed, "a regular file inside the folder");
    });

    it("a link to a file outside the folder is refused; a link inside it is read", () => {
        const dir = project({
            "outside/secret.json": "{}",
            "dashboards/real/d.json.txt": JSON.stringify({ uid: "dlinked", title: "Linked", panels: [] }),
        });
        fs.symlinkSync(path.join(dir, "outside", "secret.json"), path.join(dir, "dashboards", "escape.json"));
        fs.symlinkSync(path.join("real", "d.json.txt"), path.join(dir, "dashboards", "inside.json"));
        const r = readDashboardFiles("dashboards", dir, "ds");
        assert.deepEqual(
            r.problems.map((p) => p.given.split(":")[0]),
            ["dashboards/escape.json"],
        );
        assert.match(r.problems[0].given, /symbolic link to .*outside\/secret\.json, outside the folder/);
        assert.deepEqual(
            r.dashboards.map((d) => d.uid),
            ["dlinked"],
        );
    });

    it("a file over the size cap is refused before it is read, and so is a folder over its cap", () => {
        const big = "x".repeat(MAX_FILE_BYTES + 1);
        const r = readDashboardFiles("d", project({ "d/huge.json": big }), "ds");
        assert.deepEqual(
            r.problems.map((p) => p.given),
            ["d/huge.json: has 5.0 MiB"],
        );
        assert.match(r.problems[0].allowed, /at most 5\.0 MiB per file/);

        const part = `{"uid":"u","title":"t","panels":[],"pad":"${"y".repeat(MAX_FILE_BYTES - 100)}"}`;
        const files: Record<string, string> = {};
        const count = Math.ceil(MAX_FOLDER_BYTES / part.length) + 1;
        for (let i = 0; i < count; i++) files[`d/${i}.json`] = part.replace('"u"', `"u${i}"`);
        const folder = readDashboardFiles("d", project(files), "ds");
        const over = folder.problems.filter((p) => /past 20\.0 MiB/.test(p.given));
        assert.ok(over.length >= 1, folder.problems.map((p) => p.given).join("\n"));
    });
});
