import type { EndpointTestResult } from "~/lib/contracts/endpoints";

/** What Test found: the server's models, whether the endpoint's model is among them, the reply and both latencies. */
export function TestResult({ result, model }: { result: EndpointTestResult; model: string }) {
  return (
    <div className="small" data-testid="test-result">
      <div className="ok">
        Answered in {result.completionLatencyMs} ms
        {result.completionTokens !== null && ` (${result.completionTokens} tokens)`}: “{result.reply}”
      </div>
      <div className="muted">
        Models ({result.modelsLatencyMs} ms): {result.models.join(", ") || "none listed"}
      </div>
      {!result.modelListed && <div className="warning">The model “{model}” is not in the server’s list; the completion still answered.</div>}
    </div>
  );
}
