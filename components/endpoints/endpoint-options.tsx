"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";

/** The <option>s of an endpoint picker: the embedded endpoint first (described as the caller says), then the user's. */
export function EndpointOptions({ embeddedLabel }: { embeddedLabel: string }) {
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  return (
    <>
      <option value={EMBEDDED_ENDPOINT_ID}>{embeddedLabel}</option>
      {endpoints.data?.map((ep) => (
        <option key={ep.id} value={ep.id}>
          {ep.name} ({ep.model})
        </option>
      ))}
    </>
  );
}
