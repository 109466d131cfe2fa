import { formToTrainJob } from "~/lib/runs/build-spec";
import type { LaunchForm } from "~/lib/runs/form";

/** The job.json the form will write, updated as the form changes (id and time are set at launch). */
export function JobPreview({ form }: { form: LaunchForm }) {
  const job = formToTrainJob(form, { id: "(assigned at launch)", createdAt: "(launch time)" });
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>job.json preview</h2>
      <pre data-testid="job-preview">{JSON.stringify(job, null, 2)}</pre>
      <p className="small muted">
        plan.json: one stage, {form.epochs} epoch(s), temperature {form.temperature}, KD weight {form.kdWeight}, over
        {form.trainSamples ? ` ${form.trainSamples}` : " all"} training rows after holding out {form.evalSize} for eval.
        Model paths are resolved and checked against the allowed roots at launch.
      </p>
    </div>
  );
}
