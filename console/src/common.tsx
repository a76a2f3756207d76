/** Small pieces every page uses: phase and outcome badges, times, a confirmation dialog, an error line. */
import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { Run } from './types.js';

export function PhaseBadge({ run }: { run: Run }) {
  const { phase, outcome } = run.status;
  return (
    <span class={`badge phase-${phase}`} data-testid="phase">
      {phase}
      {outcome ? <span class={`outcome outcome-${outcome}`}> · {outcome}</span> : null}
    </span>
  );
}

export function time(value: string | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A modal confirmation (the native <dialog>: focus moves into it, Escape closes it). */
export function Confirm(props: { open: boolean; title: string; confirmLabel: string; busy?: boolean; onConfirm: () => void; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onClose}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="actions">
        <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>{props.confirmLabel}</button>
        <button type="button" autofocus onClick={props.onClose}>Back</button>
      </div>
    </dialog>
  );
}
