import { describe, expect, it } from "vitest";
import { alpacaToMessages, conversationDigest, type ChatMessage } from "./canonical";

const hex = (messages: ChatMessage[]) => conversationDigest(messages).toString("hex");
const turn = (role: ChatMessage["role"], content: string): ChatMessage => ({ role, content });

describe("conversationDigest", () => {
  it("gives identical conversations the same hash, whichever form they came in", () => {
    const chat = [turn("system", "S"), turn("user", "Q\nwith input"), turn("assistant", "A")];
    expect(hex(chat)).toBe(hex(chat.map((m) => ({ ...m }))));
    expect(hex(chat)).toBe(hex(alpacaToMessages({ instruction: "Q", input: "with input", output: "A", system: "S" })));
    expect(hex([turn("user", "héllo ✓ 😀")])).toBe(hex([turn("user", "héllo ✓ 😀")]));
  });

  it("tells apart near-identical conversations", () => {
    const base = [turn("user", "Q"), turn("assistant", "A")];
    const others = [
      [turn("assistant", "Q"), turn("user", "A")], // roles swapped
      [turn("user", "QA")], // contents joined into one turn
      [turn("user", ""), turn("assistant", "QA")], // the same text split elsewhere
      [turn("user", "Q"), turn("assistant", "A"), turn("assistant", "")], // an extra empty turn
      [turn("user", "Qa1:A")], // one turn whose text spells the encoding of the assistant turn
      [turn("user", "Q"), turn("user", "A")],
      [turn("system", "Q"), turn("assistant", "A")],
    ];
    const hashes = new Set([base, ...others].map(hex));
    expect(hashes.size).toBe(others.length + 1);
    // A lone surrogate would be U+FFFD in UTF-8; it must not hash like one.
    expect(hex([turn("user", "x\uD800")])).not.toBe(hex([turn("user", "x\uFFFD")]));
    expect(hex([turn("user", "ab"), turn("assistant", "c")])).not.toBe(hex([turn("user", "a"), turn("assistant", "bc")]));
  });
});
