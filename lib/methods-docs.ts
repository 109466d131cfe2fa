/**
 * docs/methods.md, which the studio serves at /docs/methods: its "## " sections, each with an anchor, so help
 * texts and pages can cite "TAPIR §3" and link to it.
 */

/** "TAPIR §3: resampling" or "TAPIR §3" → "tapir-3". */
export function methodsSectionId(section: string): string {
  const [name, number] = section.split(":")[0]!.split("§").map((s) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-"));
  return number ? `${name}-${number}` : name!;
}

export const methodsSectionHref = (section: string) => `/docs/methods#${methodsSectionId(section)}`;

/** The document cut at its "## " headings: the text before the first is the introduction. */
export function methodsSections(markdown: string): { id: string; title: string; body: string }[] {
  const [intro, ...rest] = markdown.split(/^## /m);
  const lines = intro!.split("\n");
  const sections = [{ id: "top", title: lines[0]!.replace(/^# /, ""), body: lines.slice(1).join("\n").trim() }];
  for (const part of rest) {
    const [title, ...body] = part.split("\n");
    sections.push({ id: methodsSectionId(title!), title: title!, body: body.join("\n").trim() });
  }
  return sections;
}
