import { HelpTip } from "~/components/help-tip";
import { METHOD_TERMS, type MethodTerm } from "./method-terms";

export function TermHelp({ term }: { term: MethodTerm }) {
  return (
    <HelpTip term={term} section={METHOD_TERMS[term].section}>
      {METHOD_TERMS[term].text}
    </HelpTip>
  );
}
