// The preflight provider's name in registrations and states: GrafanaPreflight's `__provider`
// text loads this path (shared/providerBoundary.ts), and states already written name it, so
// it stays here and only re-exports the provider from preflight/.
export { preflightProvider } from "./preflight/preflightProvider";
