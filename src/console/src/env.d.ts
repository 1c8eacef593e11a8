// Vite imports a stylesheet for its side effect (it bundles the CSS).
declare module "*.css";
// `import url from "file?url"`: the URL Vite gives the file it copies into assets/.
declare module "*?url" {
  const url: string;
  export default url;
}
