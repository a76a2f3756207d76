/** ECS resource tags as a map. */
import { z } from 'zod';

/** Tags as a map; admission enforces ECS's limits (≤ 50, key ≤ 128, value ≤ 256, no `aws:` prefix). */
export const Tags = z.record(z.string(), z.string());
export type Tags = z.infer<typeof Tags>;
