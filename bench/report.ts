// Filling bench/report-template.md: `{{name}}` placeholders, and Markdown tables.

/**
 * Replaces every `{{name}}` in `template` with `values[name]`. Throws when the template names
 * a value not given, or a value is given that the template does not use (the two drifted).
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
    const used = new Set<string>();
    const missing = new Set<string>();
    const text = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
        used.add(name);
        if (!(name in values)) {
            missing.add(name);
            return "";
        }
        return values[name];
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (missing.size || unused.length) {
        throw new Error(
            `bench/report-template.md and bench/run.ts disagree: ${[
                missing.size ? `no value for ${[...missing].join(", ")}` : "",
                unused.length ? `not in the template: ${unused.join(", ")}` : "",
            ]
                .filter(Boolean)
                .join("; ")}`,
        );
    }
    return text;
}

/** A Markdown table; `|` in cells escaped. */
export function table(header: string[], rows: string[][], align?: Array<"l" | "r">): string {
    const sep = header.map((_, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---"));
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    return [line(header), line(sep), ...rows.map(line)].join("\n");
}
