/**
 * Bounds on labels and annotations. Label keys and values already follow Kubernetes' syntax (meta.ts); the
 * count and total size are capped here, since every label is indexed in Redis and both travel with every read.
 * Annotations follow Kubernetes, whose API server refuses annotations over 256 KiB in total, counted as the
 * bytes of every key plus every value (k8s.io/apimachinery pkg/api/validation/objectmeta.go:
 * TotalAnnotationSizeLimitB = 256 * (1 << 10); the error reads "must have at most 262144 characters").
 * Kubernetes sets no label count; 64 is Longshore's choice: ample for selection, small for the indexes.
 */
import type { Violation } from './violation.js';

export const MAX_LABELS = 64;
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

export function checkMetadata(meta: { labels: Record<string, string>; annotations: Record<string, string> }): Violation[] {
  const out: Violation[] = [];
  const labels = Object.keys(meta.labels).length;
  if (labels > MAX_LABELS) {
    out.push({ path: 'metadata.labels', rule: 'label-count', message: `at most ${MAX_LABELS} labels are allowed, got ${labels}`, value: labels });
  }
  let bytes = 0;
  for (const [key, value] of Object.entries(meta.annotations)) bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  if (bytes > ANNOTATIONS_MAX_BYTES) {
    out.push({ path: 'metadata.annotations', rule: 'annotations-size', message: `annotations total ${bytes} bytes (keys and values); at most ${ANNOTATIONS_MAX_BYTES} (256 KiB, as in Kubernetes)`, value: bytes });
  }
  return out;
}
