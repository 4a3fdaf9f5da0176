// The README is part of the contract: every config key documented, the quickstart's two
// commands real, and CI running exactly the README's test command.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../components/config/config";

const ROOT = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("README", () => {
    it("documents every config key in the configuration table", () => {
        const missing = CONFIG_KEYS.filter((k) => !readme.includes(`| \`${k.name}\` |`)).map((k) => k.name);
        assert.deepEqual(missing, []);
    });

    it("gives a quickstart of exactly two commands, both real npm scripts", () => {
        const quickstart = /## Quickstart[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
        assert.ok(quickstart, "a Quickstart section with a sh block");
        const commands = quickstart[1]
            .split("\n")
            .map((l) => l.replace(/#.*/, "").trim())
            .filter(Boolean);
        assert.deepEqual(commands, ["npm run up", "npm test"]);
        assert.ok(pkg.scripts.up && pkg.scripts.test);
    });

    it("is what CI runs: .ci/run installs with npm ci and runs the README's test command", () => {
        const ci = fs
            .readFileSync(path.join(ROOT, ".ci/run"), "utf8")
            .split("\n")
            .filter((l) => l && !l.startsWith("#"));
        assert.ok(ci.includes("npm ci --no-audit --no-fund"));
        assert.ok(ci.indexOf("npm test") > ci.indexOf("npm ci --no-audit --no-fund"), "npm test after npm ci");
        assert.match(readme, /npm test/);
    });

    it("runs the real-engine e2e in CI only with a toolchain already built, and says so when it skips", () => {
        const ci = fs
            .readFileSync(path.join(ROOT, ".ci/run"), "utf8")
            .split("\n")
            .filter((l) => l.trim() && !l.trim().startsWith("#"));
        const guard = ci.findIndex((l) => /^if bash scripts\/e2e-toolchain\.sh --check; then$/.test(l));
        assert.ok(guard > ci.indexOf("npm test"), "the e2e step comes after npm test, behind the --check guard");
        assert.equal(ci[guard + 1].trim(), "E2E_NO_BUILD=1 npm run e2e");
        assert.match(ci[guard + 3], /echo "e2e: skipped: /);
        // CI never builds the toolchain: every call of the script is --check or --dir.
        for (const l of ci) for (const m of l.matchAll(/e2e-toolchain\.sh(\s+\S+)?/g)) assert.match(m[1] ?? "", /--check|--dir/, l);
        assert.ok(!ci.some((l) => /e2e:toolchain|e2e:bench/.test(l) && !l.includes("echo")), "no toolchain build or bench in CI");
        assert.ok(pkg.scripts.e2e && pkg.scripts["e2e:toolchain"], "npm run e2e and npm run e2e:toolchain exist");
        assert.match(readme, /npm run e2e/);
    });

    it("links the architecture page and every docs file that exists", () => {
        assert.match(readme, /ARCHITECTURE\.md/);
        for (const f of fs.existsSync(path.join(ROOT, "docs")) ? fs.readdirSync(path.join(ROOT, "docs")) : []) {
            assert.ok(readme.includes(`docs/${f}`), `README links docs/${f}`);
        }
    });

    it("names in ARCHITECTURE.md only files that exist, and stays about one page", () => {
        const arch = fs.readFileSync(path.join(ROOT, "ARCHITECTURE.md"), "utf8");
        const files: string[] = [];
        const walk = (dir: string): void => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                if (e.name === "node_modules" || e.name.startsWith(".")) continue;
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else files.push(path.relative(ROOT, p));
            }
        };
        walk(ROOT);
        // A name resolves from the root, or as the tail of a path (the page names components/ files relative to it).
        const names = [...arch.matchAll(/[\w./-]+\.(?:ts|js|md|sh|json|yaml)\b/g)].map((m) => m[0].replace(/^\.\.\/shared\/.*/, ""));
        const missing = names.filter((n) => n && !files.some((f) => f === n || f.endsWith(`/${n}`)));
        assert.deepEqual(missing, []);
        assert.ok(arch.split("\n").length <= 100, `ARCHITECTURE.md has ${arch.split("\n").length} lines; keep it to one page`);
    });
});
