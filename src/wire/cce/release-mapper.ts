/** Release ⇄ CCE wire shapes. The domain never sees snake_case or JSON-in-a-string fields. */
import type { KubeResource } from '../../releases/ports.js'
import type { Revision, Values } from '../../releases/release.js'
import { rfc3339 } from '../common/schemas.js'
import type { ReleaseParams, ReleaseResp } from './release-schemas.js'

/**
 * Answers without resources, per revision object. The repository hands out the same immutable
 * Revision for every read until the release changes, so polling clients (Terraform reads every
 * few seconds, SDK tests in tight loops) get the mapping, two timestamps and a values string for free.
 */
const plain = new WeakMap<Revision, ReleaseResp>()

export function toReleaseResp(r: Revision, resources?: KubeResource[]): ReleaseResp {
  if (resources) return { ...toReleaseResp(r), resources: JSON.stringify(resources) }
  let resp = plain.get(r)
  if (!resp) plain.set(r, (resp = mapRevision(r)))
  return resp
}

function mapRevision(r: Revision): ReleaseResp {
  return {
    chart_name: r.chart.name,
    chart_public: r.chart.public,
    chart_version: r.chart.version,
    cluster_id: r.key.clusterId,
    cluster_name: r.key.clusterId,
    create_at: rfc3339(r.firstDeployedAt),
    description: r.description,
    name: r.key.name,
    namespace: r.key.namespace,
    parameters: '',
    resources: '',
    status: r.status,
    status_description: r.description,
    update_at: rfc3339(r.updatedAt),
    values: JSON.stringify(r.values),
    version: r.revision,
  }
}

export const valuesOf = (v: Record<string, unknown> | null | undefined): Values => v ?? {}

export const flag = (v: boolean | null | undefined): boolean => v === true

export const params = (p: ReleaseParams | null | undefined): ReleaseParams => p ?? {}

/** show_resources is a string on the wire; only "true" (any case) asks for resources. */
export const wantsResources = (q: { show_resources?: string | undefined }): boolean => q.show_resources?.toLowerCase() === 'true'
