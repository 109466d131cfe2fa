import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and Node-only modules stay out of the server bundle.
  serverExternalPackages: ["better-sqlite3"],
  typedRoutes: false,
};

export default config;
