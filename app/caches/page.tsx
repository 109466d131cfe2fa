import { TeacherCachesTable } from "~/components/caches/teacher-caches-table";

export default function CachesPage() {
  return (
    <>
      <h1>Teacher-logit caches</h1>
      <p className="muted">
        A cache holds a teacher&apos;s top-k log-probabilities for every answer token of a dataset&apos;s rows, so a run with the same teacher,
        data and max length distils from it instead of running the teacher (docs/logit-cache.md). Build one, and choose it, in a new run&apos;s
        form.
      </p>
      <TeacherCachesTable />
    </>
  );
}
