// The text Pulumi's dynamic-provider host runs for this project's dynamic resources (their
// `__provider` input, loaded with require-from-string and `.handler()`, as
// @pulumi/pulumi/cmd/dynamic-provider does): this file, verbatim, after one line that
// providerBoundary.ts puts first, `const PROVIDER = {"module": [...], "export": "..."};`,
// naming the provider object to load. It replaces a closure serialized from the program:
// closure serialization costs the program about a second on every preview/up (it enables
// the V8 inspector and loads a package-tree library), and the text it produced captured the
// provider's modules by value. This file only loads the real provider (e.g.
// components/verify/verificationProvider.ts) from the project's source when the engine
// calls a method.
//
// The host runs in a plain `node` process whose working directory is the project. The
// source is TypeScript: each .ts file under components/ is transpiled once with the
// project's TypeScript and tsconfig.json compiler options, and the JavaScript is cached in
// node_modules/.cache/grafana-slack-alerts/ (keyed by the file, its text, tsconfig.json and
// the TypeScript version), so later runs load it without TypeScript. Where a .ts loader is
// already registered (ts-node in the tests) it is used as it is.
//
// Plain JavaScript, no dependencies, no absolute paths: its text is stored in the state.
/* global PROVIDER */
let loaded;

function implementation() {
    if (loaded) return loaded;
    const fs = require("fs");
    const path = require("path");
    const crypto = require("crypto");
    const source = path.join(...PROVIDER.module);
    let root = process.cwd();
    while (!fs.existsSync(path.join(root, source))) {
        const up = path.dirname(root);
        if (up === root) {
            throw new Error(
                `A dynamic resource of grafana-slack-alerts: cannot find ${source} from ${process.cwd()}: the verification runs from the project's source. ` +
                    "Next step: run pulumi in the grafana-slack-alerts project directory (where Pulumi.yaml is).",
            );
        }
        root = up;
    }
    if (!require.extensions[".ts"]) {
        const components = path.join(root, "components") + path.sep;
        const cacheDir = path.join(root, "node_modules", ".cache", "grafana-slack-alerts");
        const tsconfigPath = path.join(root, "tsconfig.json");
        const tsconfigText = fs.readFileSync(tsconfigPath, "utf8");
        let tsVersion = "none";
        try {
            tsVersion = JSON.parse(fs.readFileSync(path.join(root, "node_modules", "typescript", "package.json"), "utf8")).version;
        } catch {
            // no TypeScript: a cache miss below says so
        }
        let ts;
        let options;
        require.extensions[".ts"] = (module, filename) => {
            if (!filename.startsWith(components)) throw new Error(`grafana-slack-alerts dynamic provider: only the project's components/ are loaded as TypeScript here, not ${filename}`);
            const code = fs.readFileSync(filename, "utf8");
            const key = crypto.createHash("sha256").update(`${tsVersion}\0${tsconfigText}\0${filename}\0`).update(code).digest("hex").slice(0, 32);
            const cached = path.join(cacheDir, `${key}.js`);
            let js;
            try {
                js = fs.readFileSync(cached, "utf8");
            } catch {
                if (!ts) {
                    ts = require(require.resolve("typescript", { paths: [root] }));
                    const parsed = ts.parseConfigFileTextToJson(tsconfigPath, tsconfigText);
                    options = ts.convertCompilerOptionsFromJson((parsed.config && parsed.config.compilerOptions) || {}, root).options;
                }
                js = ts.transpileModule(code, {
                    fileName: filename,
                    compilerOptions: { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false },
                }).outputText;
                try {
                    fs.mkdirSync(cacheDir, { recursive: true });
                    // Write, then rename: a concurrent reader sees the whole file or none.
                    const tmp = `${cached}.${process.pid}.tmp`;
                    fs.writeFileSync(tmp, js);
                    fs.renameSync(tmp, cached);
                } catch {
                    // a read-only tree: transpile again next time
                }
            }
            module._compile(js, filename);
        };
    }
    loaded = require(path.join(root, source))[PROVIDER.export];
    if (!loaded) throw new Error(`grafana-slack-alerts dynamic provider: ${source} has no export ${PROVIDER.export}`);
    return loaded;
}

// The host asks for the provider (`handler()`) when the engine first calls a method, and
// then checks which methods it has: so return the real object, loaded at that moment.
exports.handler = () => implementation();
