// Built by CMake's stepd_console target into BUILD_DIR/console (the --outDir
// it passes), which `stepd serve` serves at /. Relative asset URLs, so the
// pages work whatever path they are served under.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  base: "./",
  plugins: [preact()],
  build: { outDir: "dist", chunkSizeWarningLimit: 2000, sourcemap: false },
  server: { proxy: { "/console/api": "http://127.0.0.1:8083" } },
});
