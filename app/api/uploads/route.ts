import { handleUpload } from "~/server/uploads/upload-route";

export const dynamic = "force-dynamic";

export const POST = handleUpload;
