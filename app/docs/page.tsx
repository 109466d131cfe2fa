import { redirect } from "next/navigation";

/** The methods are the studio's only document page. */
export default function DocsPage() {
  redirect("/docs/methods");
}
