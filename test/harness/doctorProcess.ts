// `npm run doctor` as a person runs it: a child process with a clean environment (none of
// doctor's own variables leak in from the shell running the tests), its output captured; the
// TypeScript compiled by ts-node as `npm run doctor` compiles it (cached: tsNodeCached.js).
import { spawn } from "node:child_process";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");
const TS_LOADER = path.join(__dirname, "tsNodeCached.js");

/** Variables doctor reads as fallbacks for its flags. */
const DOCTOR_ENV = [
    "GRAFANA_URL",
    "GRAFANA_AUTH",
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
    "SLACK_ROUTED_CHANNELS",
    "SLACK_API_URL",
    "GRAFANA_DASHBOARD_UID",
    "GRAFANA_PANEL_ID",
    "NODE_OPTIONS",
];

export interface DoctorRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `bin/doctor.ts` with these arguments and only these of doctor's variables. */
export function runDoctor(args: string[], env: Record<string, string> = {}): Promise<DoctorRun> {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const k of DOCTOR_ENV) delete base[k];
    return new Promise((resolve, reject) => {
        // ts-node's transpile-only output, as `npm run doctor` runs, cached across the ~70 runs (tsNodeCached.js).
        const child = spawn(process.execPath, ["-r", TS_LOADER, "bin/doctor.ts", ...args], {
            cwd: REPO,
            env: { ...base, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
