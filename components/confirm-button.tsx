"use client";

import { useRef } from "react";

/** A button that asks in a modal dialog before running a destructive action. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button className="danger" disabled={props.disabled} onClick={() => dialog.current?.showModal()}>
        {props.label}
      </button>
      <dialog ref={dialog}>
        <p>{props.question}</p>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button onClick={() => dialog.current?.close()}>Keep it</button>
          <button
            className="danger"
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
