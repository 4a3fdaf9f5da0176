// The parts of @pulumi/kubernetes the Kubernetes target uses, each from its own module, for
// `import * as k8s from "./k8s"` in place of the package: the package's index loads every API
// group of the SDK (about 120 modules, some 70 ms of every kubernetes preview), these about 15.
export * as apiextensions from "@pulumi/kubernetes/apiextensions";
export * as apps from "@pulumi/kubernetes/apps";
export * as autoscaling from "@pulumi/kubernetes/autoscaling";
export * as core from "@pulumi/kubernetes/core";
export * as networking from "@pulumi/kubernetes/networking";
export * as policy from "@pulumi/kubernetes/policy";
export { Provider } from "@pulumi/kubernetes/provider";
export type * as types from "@pulumi/kubernetes/types";
