import type { Engine } from "./engine";
import type { Processes } from "./processes";
export async function dockerScenarios(_engine: Engine, _procs: Processes, _toolchainDir: string): Promise<void> {}
