// Records every wait the verifier schedules (components/shared/timing.ts `sleep`) without
// changing it. The checks call `timing_1.sleep(ms)` through the module's exports object,
// read at call time; swc (ts-node's transpiler here) defines exports as read-only getters,
// so instead of patching the export this puts a copy of the exports, with `sleep` wrapped,
// in require.cache before any check module loads. Import this first.
import * as path from "path";

export const recordedWaits: number[] = [];

const file = require.resolve(path.join(__dirname, "..", "components", "shared", "timing"));
const real = require(file) as typeof import("../components/shared/timing");
const entry = require.cache[file];
if (!entry) throw new Error(`bench: ${file} is not in require.cache`);
if (Object.keys(require.cache).some((k) => /components[\\/]verify[\\/](grafanaChecks|slackChecks|alertPath|checks)\.ts$/.test(k))) {
    throw new Error("bench/recordWaits.ts must be imported before the verifier's modules");
}
entry.exports = {
    ...real,
    sleep: (ms: number) => {
        recordedWaits.push(Math.max(0, ms));
        return real.sleep(ms);
    },
};
