// Next calls register() once per server process: start the job manager (migrations, re-attach to trainers
// still running, the queue) before the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startStudio } = await import("./server/startup");
  await startStudio();
}
