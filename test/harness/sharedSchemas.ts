// The schemas the tests validate against: ../shared/schemas (the grafana-operator CRDs as
// published, the Pulumi project-file schema). A byte-identical copy lives in test/schemas
// so the suite also runs in a clone with no shared/ beside it; a test keeps them equal.
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
export const SHARED_SCHEMAS_DIR = path.resolve(ROOT, "..", "shared", "schemas");
export const VENDORED_SCHEMAS_DIR = path.join(ROOT, "test", "schemas");

/** Absolute path of a schema file, preferring ../shared/schemas. */
export function schemaPath(file: string): string {
    const dirs = [process.env.SHARED_SCHEMAS_DIR, SHARED_SCHEMAS_DIR, VENDORED_SCHEMAS_DIR].filter((d): d is string => !!d);
    for (const dir of dirs) {
        const p = path.join(dir, file);
        if (fs.existsSync(p)) return p;
    }
    throw new Error(`schema ${file} not found in ${dirs.join(", ")}`);
}
