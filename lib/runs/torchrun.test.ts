import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { distributedOf, multiNodeArgs, multiNodeCommands, multiNodeProblem, shellWord, singleNodeArgs } from "./torchrun";

const run = { nodes: 2, processesPerNode: 8, endpoint: "node0.lan:29500", runId: "train-abc", runDir: "/data/runs/train-abc", resume: false };

describe("torchrun commands", () => {
  it("starts one machine's ranks on a free rendezvous port, resuming when asked", () => {
    expect(singleNodeArgs(4, "/d/runs/x", false)).toEqual(["--standalone", "--nproc-per-node", "4", "-m", "distill", "run", "/d/runs/x"]);
    expect(singleNodeArgs(2, "/d/runs/x", true).slice(-2)).toEqual(["/d/runs/x", "--resume"]);
  });

  it("gives every node the same command but its rank, with c10d rendezvous at node 0 named by the run", () => {
    expect(multiNodeArgs(run, 1)).toEqual([
      "--nnodes", "2", "--nproc-per-node", "8", "--node-rank", "1", "--rdzv-backend", "c10d",
      "--rdzv-endpoint", "node0.lan:29500", "--rdzv-id", "train-abc", "-m", "distill", "run", "/data/runs/train-abc",
    ]);
    expect(multiNodeCommands(run)).toEqual([
      "torchrun --nnodes 2 --nproc-per-node 8 --node-rank 0 --rdzv-backend c10d --rdzv-endpoint node0.lan:29500 --rdzv-id train-abc -m distill run /data/runs/train-abc",
      "torchrun --nnodes 2 --nproc-per-node 8 --node-rank 1 --rdzv-backend c10d --rdzv-endpoint node0.lan:29500 --rdzv-id train-abc -m distill run /data/runs/train-abc",
    ]);
    expect(multiNodeCommands({ ...run, nodes: 1, resume: true })[0]).toMatch(/ run \/data\/runs\/train-abc --resume$/);
  });

  it("quotes a run folder with spaces or quotes so a shell passes it through unchanged", () => {
    const dir = "/data/my runs/it's";
    const [command] = multiNodeCommands({ ...run, nodes: 1, runDir: dir });
    const echoed = execFileSync("sh", ["-c", command!.replace(/^torchrun/, "printf '%s\\n'")], { encoding: "utf8" });
    expect(echoed.trimEnd().split("\n").at(-1)).toBe(dir);
    expect(shellWord("plain/path-1.x")).toBe("plain/path-1.x");
  });

  it("says in a sentence what keeps a multi-node form from making commands", () => {
    expect(multiNodeProblem(run)).toBeNull();
    expect(multiNodeProblem({ ...run, nodes: 0 })).toMatch(/number of machines/);
    expect(multiNodeProblem({ ...run, processesPerNode: 1.5 })).toMatch(/GPUs per machine/);
    expect(multiNodeProblem({ ...run, endpoint: "node0.lan" })).toMatch(/HOST:PORT/);
    expect(multiNodeProblem({ ...run, endpoint: "node0.lan:70000" })).toMatch(/HOST:PORT/);
  });

  it("reads a job.json from before job.distributed as one process under DDP", () => {
    expect(distributedOf({})).toEqual({ strategy: "ddp", teacher: "shard", mixed_precision: true, gpus: 1 });
    expect(distributedOf({ distributed: { strategy: "fsdp", gpus: 2 } }).strategy).toBe("fsdp");
  });
});
