import { distributedSpec, type DistributedSpec } from "~/lib/contracts/job";

/**
 * torchrun command lines for a train run over several processes (docs/distributed.md): the argv the studio spawns
 * for a run on several GPUs of its machine, and the commands that run the same run folder on several machines. One
 * builder for both, so the page shows exactly what the studio would start.
 */

/** job.distributed as the trainer reads it: a job.json written before it existed has the contract's defaults. */
export function distributedOf(spec: { distributed?: Partial<DistributedSpec> }): DistributedSpec {
  return distributedSpec.parse(spec.distributed ?? {});
}

/** torchrun's arguments (after `torchrun`) for one machine running `processes` ranks of the run alone. */
export function singleNodeArgs(processes: number, runDir: string, resume: boolean): string[] {
  // --standalone: a rendezvous on a free local port, so two runs on one machine never meet on torchrun's default one.
  return ["--standalone", "--nproc-per-node", String(processes), ...trainerArgs(runDir, resume)];
}

/** `distill run`'s arguments after the interpreter, in one process or as each torchrun rank. */
export function trainerArgs(runDir: string, resume: boolean): string[] {
  return ["-m", "distill", "run", runDir, ...(resume ? ["--resume"] : [])];
}

export type MultiNode = {
  /** Machines taking part. */
  nodes: number;
  /** Processes (GPUs) on each machine. */
  processesPerNode: number;
  /** HOST:PORT of node 0, where the c10d rendezvous listens. */
  endpoint: string;
  /** Names the rendezvous: the run's id, so two runs never join each other. */
  runId: string;
  runDir: string;
  resume: boolean;
};

/** torchrun's arguments for node `nodeRank` of a run over several machines. */
export function multiNodeArgs(m: MultiNode, nodeRank: number): string[] {
  return [
    "--nnodes", String(m.nodes),
    "--nproc-per-node", String(m.processesPerNode),
    "--node-rank", String(nodeRank),
    "--rdzv-backend", "c10d",
    "--rdzv-endpoint", m.endpoint,
    "--rdzv-id", m.runId,
    ...trainerArgs(m.runDir, m.resume),
  ];
}

/** A word as a POSIX shell reads it back unchanged: bare when it is plainly safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** One shell command per node, node 0 first (the one whose host is the endpoint). */
export function multiNodeCommands(m: MultiNode): string[] {
  return Array.from({ length: m.nodes }, (_, rank) => ["torchrun", ...multiNodeArgs(m, rank)].map(shellWord).join(" "));
}

/** Why a multi-node form cannot make commands yet, in a sentence; null when it can. */
export function multiNodeProblem(m: Pick<MultiNode, "nodes" | "processesPerNode" | "endpoint">): string | null {
  if (!Number.isInteger(m.nodes) || m.nodes < 1) return "the number of machines is a whole number, 1 or more";
  if (!Number.isInteger(m.processesPerNode) || m.processesPerNode < 1) return "GPUs per machine is a whole number, 1 or more";
  if (!/^[^\s:/]+:\d{1,5}$/.test(m.endpoint) || Number(m.endpoint.split(":")[1]) > 65535) {
    return "the rendezvous endpoint is node 0's HOST:PORT, e.g. node0.lan:29500";
  }
  return null;
}
