// What every check of the config and of the user's files reports: one problem per key, with
// what was given, what is allowed and the command that fixes it (config/config.ts formats them).
export interface ConfigProblem {
    key: string;
    /** What was given; for secrets a description, never the value. */
    given: string;
    allowed: string;
    fix: string;
}
