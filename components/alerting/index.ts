// Grafana alerting to Slack (issue 4): the component and its deterministic building blocks.
export * from "./grafanaAlerting";
export * from "./dashboardModel";
export * from "./slackTemplates";
