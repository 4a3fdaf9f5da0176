// The pure parts of the real-engine e2e (test/e2e): no toolchain, no engine, milliseconds.
import { strict as assert } from "assert";
import { END, replaceSection, START } from "./e2e/bench";
import { typeToken } from "./e2e/run";

describe("e2e helpers", () => {
    it("maps a written manifest to the Pulumi type token the schema validators key on", () => {
        assert.equal(typeToken("v1", "Secret"), "kubernetes:core/v1:Secret");
        assert.equal(typeToken("apps/v1", "Deployment"), "kubernetes:apps/v1:Deployment");
        assert.equal(typeToken("grafana.integreatly.org/v1beta1", "Grafana"), "kubernetes:grafana.integreatly.org/v1beta1:Grafana");
    });

    it("e2e:bench appends its BENCHMARKS.md section once, then replaces only that section", () => {
        const doc = "# Benchmarks\n\nnpm run bench output\n";
        const once = replaceSection(doc, "## Real engine\nfirst");
        assert.equal(once, `# Benchmarks\n\nnpm run bench output\n\n${START}\n## Real engine\nfirst\n${END}\n`);
        const twice = replaceSection(once + "\ntrailing text\n", "## Real engine\nsecond");
        assert.equal(twice, `# Benchmarks\n\nnpm run bench output\n\n${START}\n## Real engine\nsecond\n${END}\n\ntrailing text\n`);
    });
});
