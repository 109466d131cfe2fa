/**
 * The one set of chart colours. Every colour is told apart from every other (buckets from the ramps drawn beside
 * them) and keeps a 3:1 contrast on both the light and the dark page background, so one palette serves both
 * themes without a second set to keep in step.
 */

/** Page backgrounds of the two themes (app/globals.css --bg); the palette is checked against both. */
export const BACKGROUNDS = { light: "#ffffff", dark: "#16181d" } as const;

/** Colours for series that are instances of one thing (buckets, task-type bars); cycled past eight. */
export const SERIES = ["#2f6fde", "#1f9d55", "#d97706", "#9b51e0", "#0e8fa3", "#c026d3", "#6b8e23", "#a0785a"] as const;

/** Colours for named quantities; none is in SERIES, so a ramp never looks like a bucket. */
export const ROLE = {
  temperature: "#e5484d",
  kdWeight: "#808890",
} as const;

export const seriesColor = (i: number): string => SERIES[((i % SERIES.length) + SERIES.length) % SERIES.length]!;

/** Lines of the run page's loss chart: total, KD, CE and attention loss take series colours, temperature its role. */
export const LOSS_COLORS = { loss: SERIES[0], kd: SERIES[3], ce: SERIES[1], attn: SERIES[4], temperature: ROLE.temperature } as const;

/** Gridlines and axis text read the page's colours, so they follow the theme. */
export const GRID = "var(--line)";
export const AXIS_TEXT = "var(--muted)";

const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = channels(hex).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** "Redmean" weighted RGB distance: a cheap perceptual difference (0 = same; about 765 = black to white). */
export function colorDistance(a: string, b: string): number {
  const [r1, g1, b1] = channels(a);
  const [r2, g2, b2] = channels(b);
  const rm = (r1! + r2!) / 2;
  return Math.sqrt((2 + rm / 256) * (r1! - r2!) ** 2 + 4 * (g1! - g2!) ** 2 + (2 + (255 - rm) / 256) * (b1! - b2!) ** 2);
}

/** Tick text of every chart axis. */
export const AXIS_TICK = { fill: AXIS_TEXT, fontSize: 11 };

/** A Recharts axis label: the axis's title with its unit, drawn inside the margin so it is never clipped. */
export function axisTitle(value: string, side: "bottom" | "left" | "right" = "bottom") {
  if (side === "bottom") return { value, position: "insideBottom" as const, offset: -4, fill: AXIS_TEXT, fontSize: 12 };
  return { value, angle: side === "left" ? -90 : 90, position: side === "left" ? ("insideLeft" as const) : ("insideRight" as const), style: { textAnchor: "middle" as const }, fill: AXIS_TEXT, fontSize: 12 };
}
