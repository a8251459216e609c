import { createHash } from 'node:crypto';

import type { Artifact } from '../drivers/driver.ts';

export interface CachedArtifact extends Artifact {
  etag: string;
}

/** Adds the strong validator HTTP doors send as ETag. */
export function withEtag(artifact: Artifact | undefined): CachedArtifact | null {
  return artifact ? { ...artifact, etag: etagOf(artifact.body) } : null;
}

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
