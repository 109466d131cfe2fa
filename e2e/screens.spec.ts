import { expect, test, type Page } from "@playwright/test";

/** Issue 11.8: a phone-sized screen, the system's dark theme, and the row list by keyboard, on the demo dataset. */

async function loadDemo(page: Page): Promise<string> {
  await page.goto("/");
  await page.getByTestId("load-demo").click();
  await page.waitForURL(/\/datasets\/[^/?]+$/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready", { timeout: 120_000 });
  return page.url().split("/datasets/")[1]!.split(/[?#]/)[0]!;
}

const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test("at 390 px the main pages fit without horizontal scrolling; dark scheme darkens them; the row list obeys the keyboard", async ({ page }) => {
  const datasetId = await loadDemo(page);

  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/", `/datasets/${datasetId}`, `/datasets/${datasetId}?row=3`, `/datasets/${datasetId}/curriculum`, "/runs"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await expect(page.locator("main")).not.toContainText("Loading");
    expect(await horizontalOverflow(page), `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
  }

  // The system's dark setting switches the page colours.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/datasets/${datasetId}`);
  const colours = () => page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor || "", root: getComputedStyle(document.documentElement).backgroundColor, ink: getComputedStyle(document.documentElement).color }));
  await page.emulateMedia({ colorScheme: "light" });
  const light = await colours();
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await colours();
  expect(dark.root).not.toBe(light.root);
  expect(dark.ink).not.toBe(light.ink);
  const luminance = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
  expect(luminance(dark.root)).toBeLessThan(luminance(light.root));
  await page.emulateMedia({ colorScheme: "light" });

  // The row list: arrows move the selection, Enter opens the row, Escape closes it.
  const list = page.getByRole("listbox", { name: "Rows" });
  await list.focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  const selected = list.getByRole("option", { selected: true });
  await expect(selected).toHaveCount(1);
  await expect(selected).toContainText("#1");
  await expect(list).toHaveAttribute("aria-activedescendant", (await selected.getAttribute("id"))!);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]row=1(&|$)/);
  await expect(page.getByTestId("row-view")).toContainText("Row #1");
  await page.keyboard.press("End");
  await expect(list.getByRole("option", { selected: true })).toContainText("#439");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("row-view")).toContainText("Row #439");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("row-view")).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]row=/);
});

test("the main pages log no errors or warnings to the browser console", async ({ page }) => {
  const logged: string[] = [];
  page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && logged.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => logged.push(`${page.url()}: ${e.message}`));
  const datasetId = await loadDemo(page);
  for (const path of ["/", `/datasets/${datasetId}`, `/datasets/${datasetId}/curriculum`, "/runs", `/runs/new?dataset=${datasetId}`, "/pipelines", "/evaluations", "/endpoints", "/templates", "/caches"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(logged).toEqual([]);
});

test("the length histograms' axis titles lie inside their charts", async ({ page }) => {
  const datasetId = await loadDemo(page);
  await page.goto(`/datasets/${datasetId}`);
  for (const id of ["histogram-prompt", "histogram-response"]) {
    const chart = page.getByTestId(id);
    await expect(chart.locator(".recharts-label")).toHaveCount(2);
    const outside = await chart.evaluate((figure) => {
      const svg = figure.querySelector("svg.recharts-surface")!.getBoundingClientRect();
      return [...figure.querySelectorAll(".recharts-label")]
        .filter((t) => {
          const r = t.getBoundingClientRect();
          return r.left < svg.left || r.right > svg.right || r.top < svg.top || r.bottom > svg.bottom;
        })
        .map((t) => t.textContent);
    });
    expect(outside, `${id}: axis titles cut off at the chart's edge`).toEqual([]);
  }
});
