"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useDropzone } from "react-dropzone";
import { ProgressBar } from "~/components/progress-bar";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { useTRPC } from "~/components/trpc/react";
import { ColumnMapper } from "./column-mapper";
import { formatBytes, formatEta } from "~/lib/format";

type Uploaded = { uploadId: string; size: number; originalName: string };

/** Streams the file to the server with progress; the body is the raw file, so nothing is held in memory. */
function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/uploads?name=${encodeURIComponent(file.name)}`);
    // The one type the upload route takes: another site's page cannot send it without a CORS preflight, which
    // the studio never grants.
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || "{}");
      if (xhr.status === 200) resolve(body as Uploaded);
      else reject(new Error(body.error ?? `upload failed with HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("the connection to the studio broke during the upload"));
    xhr.send(file);
  });
}

/** Drop or pick a file → it uploads → columns are detected and can be remapped → import runs as a job. */
export function UploadDataset() {
  const trpc = useTRPC();
  const router = useRouter();
  const [uploadFraction, setUploadFraction] = useState<number | null>(null);
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<{ jobId: string; datasetId: string } | null>(null);

  const onDrop = async (files: File[]) => {
    const file = files[0];
    if (!file) return;
    setError(null);
    setUploaded(null);
    setJob(null);
    setUploadFraction(0);
    try {
      setUploaded(await uploadFile(file, setUploadFraction));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setUploadFraction(null);
    }
  };
  const { getRootProps, getInputProps, isDragActive } = useDropzone({ onDrop, multiple: false });

  const startImport = useMutation(
    trpc.datasets.import.mutationOptions({
      onSuccess: (res) => setJob(res),
      onError: (e) => setError(e.message),
    }),
  );
  const live = useJobEvents(job?.jobId ?? null, (event) => {
    if (event.type === "done" && job) router.push(`/datasets/${job.datasetId}`);
    if (event.type === "error") setError(event.message);
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions());

  return (
    <div className="panel">
      <div {...getRootProps({ className: `dropzone${isDragActive ? " active" : ""}` })}>
        <input {...getInputProps()} data-testid="upload-input" />
        <b>Drop an instruction dataset here</b>, or click to choose a file
        <div className="small muted">
          Alpaca JSON / JSONL, ShareGPT or OpenAI messages JSONL, MT-Bench turns, CSV, Parquet
        </div>
      </div>
      {uploadFraction != null && <ProgressBar fraction={uploadFraction} label={`Uploading… ${Math.round(uploadFraction * 100)}%`} />}
      {error && <p className="error" role="alert">{error}</p>}
      {uploaded && !job && (
        <ColumnMapper
          upload={uploaded}
          busy={startImport.isPending}
          onImport={(choice) => startImport.mutate({ uploadId: uploaded.uploadId, originalName: uploaded.originalName, ...choice })}
        />
      )}
      {job && !live.final && (
        <div style={{ marginTop: "1rem" }}>
          <ProgressBar
            fraction={live.progress?.total ? live.progress.current / live.progress.total : null}
            label={
              live.progress
                ? `Importing ${uploaded?.originalName}: ${live.progress.message ?? ""} ${formatBytes(live.progress.current)} of ${formatBytes(live.progress.total ?? 0)}${live.progress.eta_s != null ? `, ${formatEta(live.progress.eta_s)} left` : ""}`
                : "Starting the import…"
            }
          />
          <button style={{ marginTop: 8 }} onClick={() => cancel.mutate({ id: job.jobId })}>
            Cancel import
          </button>
        </div>
      )}
    </div>
  );
}
