export * from "./bridge";
export * from "./figure";
export * from "./table";
export * from "./progress";
export { escapeHtml } from "./html";
