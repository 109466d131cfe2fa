const count = (n: number, word: string) => `${n} ${n === 1 ? word : `${word}s`}`;

/** "1 stage · 105 optimizer steps · bucket size 420": a plan's shape as the designer and a saved curriculum say it. */
export function planSummary(stages: number, steps: number, bucketSizes: number[]): string {
  return `${count(stages, "stage")} · ${count(steps, "optimizer step")} · ${bucketSizes.length === 1 ? "bucket size" : "bucket sizes"} ${bucketSizes.join(", ")}`;
}
