// The README is part of the contract: every config key documented, the quickstart's two
// commands real, and CI running exactly the README's test command.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../components/config";

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
        const commands = quickstart[1].split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
        assert.deepEqual(commands, ["npm run up", "npm test"]);
        assert.ok(pkg.scripts.up && pkg.scripts.test);
    });

    it("is what CI runs: .ci/run installs with npm ci and runs the README's test command", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
        assert.ok(ci.includes("npm ci --no-audit --no-fund"));
        assert.equal(ci[ci.length - 1], "npm test");
    });

    it("links the architecture page and every docs file that exists", () => {
        assert.match(readme, /ARCHITECTURE\.md/);
        for (const f of fs.existsSync(path.join(ROOT, "docs")) ? fs.readdirSync(path.join(ROOT, "docs")) : []) {
            assert.ok(readme.includes(`docs/${f}`), `README links docs/${f}`);
        }
    });
});
