import { expect, test } from "@playwright/test";
import { fillTinyRun } from "./tiny-run";
import { uploadAlpaca } from "./upload-alpaca";

test("the launch form offers several GPUs, DDP or FSDP and activation checkpointing, and the run page the multi-node torchrun commands", async ({ page, context }) => {
  test.setTimeout(600_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const { path } = await uploadAlpaca(page, 12, "distributed.json");
  await page.goto(`/runs/new?dataset=${encodeURIComponent(path.split("/datasets/")[1]!)}`);
  await fillTinyRun(page, "fsdp tiny", 4);

  // This machine has no GPU: the GPU count shows as unavailable, saying why; the strategy is still chosen.
  await expect(page.getByTestId("gpus-unavailable")).toContainText("the studio found no GPU on this machine");
  await expect(page.getByTestId("field-gpus")).toHaveCount(0);
  await page.getByTestId("field-strategy").selectOption("fsdp");
  await page.getByTestId("field-fsdp-teacher").selectOption("replicate");
  await page.getByTestId("field-activationCheckpointing").check();
  const preview = page.getByTestId("job-preview");
  await expect(preview).toContainText('"strategy": "fsdp"');
  await expect(preview).toContainText('"teacher": "replicate"');
  await expect(preview).toContainText('"gradient_checkpointing": true');

  // In one process the strategy is ignored: the run trains and succeeds.
  await page.getByTestId("launch").click();
  await page.waitForURL(/\/runs\/(?!new)[^/?]+$/);
  const id = page.url().split("/runs/")[1]!;
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 480_000 });

  // The commands that run the same folder on several machines, one per node, c10d rendezvous named by the run.
  await page.getByTestId("multi-node").locator("summary").click();
  await page.getByTestId("multi-nodes").fill("3");
  await page.getByTestId("multi-per-node").fill("8");
  await page.getByTestId("multi-endpoint").fill("gpu-a.lan:29400");
  const node2 = page.getByTestId("multi-command-2");
  await expect(node2).toHaveText(
    new RegExp(
      `^torchrun --nnodes 3 --nproc-per-node 8 --node-rank 2 --rdzv-backend c10d --rdzv-endpoint gpu-a\\.lan:29400 --rdzv-id ${id} -m distill run \\S+/runs/${id}$`,
    ),
  );
  await page.getByTestId("multi-resume").check();
  await expect(node2).toHaveText(/ --resume$/);
  await page.getByTestId("multi-copy-2").click();
  await expect(page.getByTestId("multi-copy-2")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await node2.textContent());
  await page.getByTestId("multi-endpoint").fill("gpu-a.lan");
  await expect(page.getByTestId("multi-node")).toContainText("the rendezvous endpoint is node 0's HOST:PORT");
  await expect(page.getByTestId("multi-command-0")).toHaveCount(0);
});
