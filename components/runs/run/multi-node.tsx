"use client";

import { useState } from "react";
import { distributedOf, multiNodeCommands, multiNodeProblem } from "~/lib/runs/torchrun";
import type { DistributedSpec } from "~/lib/contracts/job";

/**
 * The torchrun commands that run this run's folder on several machines (docs/distributed.md), one per machine, each
 * with a copy button: the machines, GPUs per machine and node 0's rendezvous address are asked here.
 */
export function MultiNode(props: { id: string; runDir: string; spec: { distributed?: Partial<DistributedSpec> } }) {
  const distributed = distributedOf(props.spec);
  const [nodes, setNodes] = useState(2);
  const [perNode, setPerNode] = useState(distributed.gpus);
  const [endpoint, setEndpoint] = useState("node0:29500");
  const [resume, setResume] = useState(false);
  const [copied, setCopied] = useState<number | null>(null);
  const problem = multiNodeProblem({ nodes, processesPerNode: perNode, endpoint });
  const commands = problem ? [] : multiNodeCommands({ nodes, processesPerNode: perNode, endpoint, runId: props.id, runDir: props.runDir, resume });
  return (
    <details className="panel" data-testid="multi-node">
      <summary>
        <b>Run on several machines (torchrun, {distributed.strategy.toUpperCase()})</b>
      </summary>
      <p className="small muted">
        Every machine needs this run folder at the same path (a shared filesystem) and the trainer&apos;s Python environment
        (torchrun on its PATH); node 0 writes the events, checkpoints and the model. The studio does not start or watch a
        run started this way. The strategy is the run&apos;s job.distributed.strategy.
      </p>
      <div className="row">
        <label>
          Machines
          <input data-testid="multi-nodes" type="number" min={1} value={nodes} onChange={(e) => setNodes(Number(e.target.value))} />
        </label>
        <label>
          GPUs per machine
          <input data-testid="multi-per-node" type="number" min={1} value={perNode} onChange={(e) => setPerNode(Number(e.target.value))} />
        </label>
        <label>
          Node 0&apos;s HOST:PORT (rendezvous)
          <input data-testid="multi-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value.trim())} />
        </label>
        <label className="small">
          <input type="checkbox" data-testid="multi-resume" checked={resume} onChange={(e) => setResume(e.target.checked)} /> from its last checkpoint
          (--resume)
        </label>
      </div>
      {problem && <p className="small error">{problem}</p>}
      {commands.map((command, rank) => (
        <div key={rank} className="row" style={{ alignItems: "start" }}>
          <span className="small muted">node {rank}</span>
          <code data-testid={`multi-command-${rank}`} style={{ flex: 1, whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
            {command}
          </code>
          <button
            type="button"
            data-testid={`multi-copy-${rank}`}
            onClick={() => navigator.clipboard.writeText(command).then(() => setCopied(rank), () => setCopied(null))}
          >
            {copied === rank ? "Copied" : "Copy"}
          </button>
        </div>
      ))}
    </details>
  );
}
