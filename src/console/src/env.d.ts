// Vite imports a stylesheet for its side effect (it bundles the CSS).
declare module "*.css";
