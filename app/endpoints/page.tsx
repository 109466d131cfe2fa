import { EmbeddedPanel } from "~/components/endpoints/embedded-panel";
import { EndpointsTable } from "~/components/endpoints/endpoints-table";

export default function EndpointsPage() {
  return (
    <>
      <h1>Endpoints</h1>
      <p className="muted">
        Teachers the studio can only call: OpenAI-compatible chat-completions servers. API keys stay on the studio’s server, in a file
        only its user can read; this page only shows whether one is set.
      </p>
      <EmbeddedPanel />
      <EndpointsTable />
    </>
  );
}
