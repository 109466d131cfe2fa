import type { Metadata } from "next";
import Link from "next/link";
import { TRPCReactProvider } from "~/components/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Distill Studio",
  description: "Distil large language models into small ones with curricula.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            Distill Studio
          </Link>
          <nav>
            <Link href="/">Datasets</Link>
            <Link href="/runs">Runs</Link>
            <Link href="/caches">Caches</Link>
            <Link href="/pipelines">Pipelines</Link>
            <Link href="/evaluations">Evaluations</Link>
            <Link href="/endpoints">Endpoints</Link>
            <Link href="/templates">Templates</Link>
          </nav>
        </header>
        <TRPCReactProvider>
          <main className="page">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
