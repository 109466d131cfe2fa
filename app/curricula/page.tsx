import { redirect } from "next/navigation";

/** A curriculum belongs to its dataset, whose curriculum page lists it: the datasets are listed on the home page. */
export default function CurriculaPage() {
  redirect("/");
}
