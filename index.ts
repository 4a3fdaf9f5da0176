// Entry point of the Pulumi program. Everything lives in components/; see ARCHITECTURE.md.
// Pulumi calls the exported function and uses what it returns as the stack outputs.
import { defineStack } from "./components/program";

export = defineStack;
