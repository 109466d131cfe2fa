import { LoadDemoButton } from "~/components/curriculum/load-demo-button";
import { DatasetList } from "~/components/datasets/dataset-list";
import { UploadDataset } from "~/components/datasets/upload-dataset";

export default function HomePage() {
  return (
    <>
      <h1>Datasets</h1>
      <UploadDataset />
      <LoadDemoButton />
      <DatasetList />
    </>
  );
}
