// States written before preflightProvider.ts existed name this module as their provider
// (their `__provider` text loads components/alerting/grafanaPreflight.ts): keep it loadable.
export { preflightProvider } from "./preflight/preflightProvider";
