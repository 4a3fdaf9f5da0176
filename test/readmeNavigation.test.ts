// A README a newcomer can navigate: a short table of contents naming every top-level
// section, a Quickstart that points at the Slack app setup and says what the first run
// does, and every relative link in README.md and docs/ landing on a file and heading that
// exist (sections move between the README and docs/).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to '-'. */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Every heading anchor of a Markdown file (outside code blocks), with GitHub's -1, -2 for repeats. */
function anchors(file: string): Set<string> {
    const out = new Set<string>();
    let fenced = false;
    for (const line of fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")) {
        if (/^\s*```/.test(line)) fenced = !fenced;
        const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
        if (!m) continue;
        const base = anchor(m[1]);
        let a = base;
        for (let i = 1; out.has(a); i++) a = `${base}-${i}`;
        out.add(a);
    }
    return out;
}

/** Relative Markdown links of a file: [text](target), outside code. */
function links(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
    return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t));
}

describe("README navigation", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    it("has a short table of contents naming every top-level section", () => {
        const toc = /## Contents\n([\s\S]*?)\n## /.exec(readme);
        assert.ok(toc, "a ## Contents section before the first section");
        assert.ok(toc[1].trim().split("\n").length <= 15, "short");
        const sections = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]).filter((h) => h !== "Contents");
        for (const s of sections) assert.ok(toc[1].includes(`(#${anchor(s)})`), `the contents link ## ${s}`);
    });

    it("the Quickstart links to the Slack app setup and says the first run installs dependencies", () => {
        const quickstart = /## Quickstart\n([\s\S]*?)\n## /.exec(readme)![1];
        assert.match(quickstart, /\]\(#create-the-slack-app\)/);
        assert.match(quickstart, /first run installs the dependencies \(`npm ci`, about 40 s/);
        // The Slack setup comes before the long target details.
        assert.ok(readme.indexOf("## Create the Slack app") < readme.indexOf("#### Sidecar mode") || !readme.includes("#### Sidecar mode"));
    });

    for (const file of DOCS) {
        it(`${file}: every relative link lands on a file and heading that exist`, () => {
            const broken: string[] = [];
            for (const link of links(file)) {
                const [target, hash] = link.split("#");
                const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
                if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${link} (no file ${resolved})`);
                else if (hash && resolved.endsWith(".md") && !anchors(resolved).has(hash))
                    broken.push(`${link} (no heading #${hash} in ${resolved})`);
            }
            assert.deepEqual(broken, []);
        });
    }
});
