// Public surface of the verification: the Pulumi resource, and the shared checks that
// `bin/doctor.ts` and the benchmarks run directly.
export { SlackImageVerification, type SlackImageVerificationArgs, type VerificationCheckOutput } from "./slackImageVerification";
export {
    runVerification,
    fatalFailures,
    failureSummary,
    CHECK_TITLES,
    DEFAULT_WIDTH,
    DEFAULT_HEIGHT,
    type CheckId,
    type CheckResult,
    type VerifyOptions,
    type VerificationReport,
} from "./checks";
export { MESSAGES, describeFailure, type MessageKey, type VerificationFailure } from "./messages";
export { DEFAULT_TIMING, resolveTiming, type VerifyTiming } from "./timing";
export { readPngHeader } from "./png";
export { verificationProvider } from "./verificationProvider";
