// docs/troubleshooting.md quotes every verification message exactly, so a person can
// search the doc for what `pulumi up` or `doctor` printed. This keeps the two in step.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { MESSAGES } from "../components/shared/messages";

const DOC = path.resolve(__dirname, "..", "docs", "troubleshooting.md");

describe("docs/troubleshooting.md", () => {
    const doc = fs.readFileSync(DOC, "utf8");

    for (const [key, t] of Object.entries(MESSAGES)) {
        it(`quotes ${key} exactly, under its own heading`, () => {
            const heading = doc.indexOf(`### \`${key}\``);
            assert.ok(heading >= 0, `no heading for ${key}`);
            const message = `${t.what}: ${t.why}. Next step: ${t.next}`;
            const at = doc.indexOf("```text\n" + message + "\n```");
            assert.ok(at > heading, `the message of ${key} is not quoted verbatim after its heading`);
            const nextHeading = doc.indexOf("\n### ", heading + 1);
            assert.ok(nextHeading === -1 || at < nextHeading, `the message of ${key} is under another heading`);
        });
    }

    it("every in-page link points at a heading", () => {
        const anchors = [...doc.matchAll(/\]\(#([a-z0-9_-]+)\)/g)].map((m) => m[1]);
        assert.ok(anchors.length > 10);
        for (const a of anchors) assert.ok(doc.includes(`### \`${a}\``), `dangling link #${a}`);
    });
});
