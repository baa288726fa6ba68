import { readFile } from 'node:fs/promises'
import { describe, it, expect } from 'vitest'
import { readChartPackage, DEFAULT_CHART_LIMITS } from '../../src/charts/package-reader.js'
import { MAX_RESOURCES, MAX_SCANNED_BYTES, resourcesFromTemplates } from '../../src/charts/template-resources.js'

const t = (path: string, content: string) => ({ path, content })

describe('resourcesFromTemplates', () => {
  it('resolves the usual name expressions', () => {
    const resources = resourcesFromTemplates(
      [
        t('templates/a.yaml', 'kind: Deployment\nmetadata:\n  name: {{ include "app.fullname" . }}\n'),
        t('templates/b.yaml', 'kind: Service\nmetadata:\n  name: {{ .Release.Name }}\n'),
        t('templates/c.yaml', 'kind: ConfigMap\nmetadata:\n  name: "{{ template "app.fullname" . }}-config"\n'),
        t('templates/d.yaml', 'kind: Secret\nmetadata:\n  name: {{ .Release.Name | trunc 63 | trimSuffix "-" }}-creds\n'),
        t('templates/e.yaml', 'kind: ServiceAccount\nmetadata:\n  name: {{ .Values.serviceAccount.name }}\n'),
        t('templates/f.yml', 'kind: Role\nmetadata:\n  name: fixed-name # literal\n'),
        t('templates/g.yaml', 'kind: Job\nmetadata:\n  labels:\n    app: x\n'),
      ],
      'rel',
      'team-a',
    )
    expect(resources).toEqual([
      { kind: 'Deployment', name: 'rel', namespace: 'team-a' },
      { kind: 'Service', name: 'rel', namespace: 'team-a' },
      { kind: 'ConfigMap', name: 'rel-config', namespace: 'team-a' },
      { kind: 'Secret', name: 'rel-creds', namespace: 'team-a' },
      { kind: 'ServiceAccount', name: 'rel-e', namespace: 'team-a' },
      { kind: 'Role', name: 'fixed-name', namespace: 'team-a' },
      { kind: 'Job', name: 'rel-g', namespace: 'team-a' },
    ])
  })

  it('splits documents and keeps kinds inside {{ if }} blocks', () => {
    const content = [
      '{{- if .Values.ingress.enabled }}',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata:',
      '  name: {{ include "app.fullname" . }}',
      '  labels:',
      '    {{- include "app.labels" . | nindent 4 }}',
      '    name: not-this-one',
      'spec:',
      '  rules:',
      '    - http:',
      '        paths:',
      '          - backend:',
      '              service:',
      '                name: other',
      '{{- end }}',
      '--- # second',
      'apiVersion: v1',
      'kind: "PersistentVolumeClaim"',
      'metadata:',
      '  namespace: storage',
      '  name: data',
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items: []',
    ].join('\n')
    expect(resourcesFromTemplates([t('templates/all.yaml', content)], 'r', 'ns')).toEqual([
      { kind: 'Ingress', name: 'r', namespace: 'ns' },
      { kind: 'PersistentVolumeClaim', name: 'data', namespace: 'storage' },
      { kind: 'List', name: 'r-all', namespace: 'ns' },
    ])
  })

  it('ignores nested kind/name fields that belong to other objects', () => {
    const content = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata:',
      '  name: binder',
      'roleRef:',
      '  kind: Role',
      '  name: reader',
      'subjects:',
      '  - kind: ServiceAccount',
      '    name: sa',
    ].join('\n')
    expect(resourcesFromTemplates([t('templates/rb.yaml', content)], 'r', 'ns')).toEqual([
      { kind: 'RoleBinding', name: 'binder', namespace: 'ns' },
    ])
  })

  it('skips helpers, NOTES, non-YAML files, test hooks and documents without a kind', () => {
    const resources = resourcesFromTemplates(
      [
        t('templates/_helpers.tpl', 'kind: Secret\nmetadata:\n  name: x\n'),
        t('templates/_partial.yaml', 'kind: Secret\nmetadata:\n  name: x\n'),
        t('templates/NOTES.txt', 'kind: Secret\n'),
        t('templates/script.sh', 'kind: Secret\n'),
        t('README.md', 'kind: Secret\n'),
        t(
          'templates/tests/test-connection.yaml',
          'kind: Pod\nmetadata:\n  name: t\n  annotations:\n    "helm.sh/hook": test\n',
        ),
        t('templates/empty.yaml', '{{- /* nothing */ -}}\nmetadata:\n  name: orphan\n'),
        t('templates/dynamic.yaml', 'kind: {{ .Values.kind }}\nmetadata:\n  name: x\n'),
      ],
      'r',
      'ns',
    )
    expect(resources).toEqual([])
  })

  it('gives cluster-scoped kinds no namespace and templated namespaces the release one', () => {
    const resources = resourcesFromTemplates(
      [
        t('templates/crb.yaml', 'kind: ClusterRoleBinding\nmetadata:\n  name: {{ .Release.Name }}-admin\n  namespace: x\n'),
        t('templates/cm.yaml', 'kind: ConfigMap\nmetadata:\n  name: c\n  namespace: {{ .Release.Namespace }}\n'),
      ],
      'r',
      'ns',
    )
    expect(resources).toEqual([
      { kind: 'ClusterRoleBinding', name: 'r-admin', namespace: '' },
      { kind: 'ConfigMap', name: 'c', namespace: 'ns' },
    ])
  })

  it('handles CRLF line endings', () => {
    const content = 'kind: Service\r\nmetadata:\r\n  name: crlf\r\n'
    expect(resourcesFromTemplates([t('templates/s.yaml', content)], 'r', 'ns')).toEqual([
      { kind: 'Service', name: 'crlf', namespace: 'ns' },
    ])
  })

  it('approximates the example charts', async () => {
    const load = async (file: string) =>
      readChartPackage(await readFile(new URL(`../../examples/charts/${file}`, import.meta.url)), DEFAULT_CHART_LIMITS)
    const v1 = await load('nginx-demo-1.0.0.tgz')
    expect(resourcesFromTemplates(v1.templates, 'web', 'default')).toEqual([
      { kind: 'Deployment', name: 'web', namespace: 'default' },
      { kind: 'Service', name: 'web', namespace: 'default' },
    ])
    const v2 = await load('nginx-demo-1.1.0.tgz')
    expect(resourcesFromTemplates(v2.templates, 'web', 'default')).toEqual([
      { kind: 'ConfigMap', name: 'web-html', namespace: 'default' },
      { kind: 'Deployment', name: 'web', namespace: 'default' },
      { kind: 'Service', name: 'web', namespace: 'default' },
    ])
    const redis = await load('redis-lite-0.3.0.tgz')
    expect(resourcesFromTemplates(redis.templates, 'cache', 'data')).toEqual([
      { kind: 'Service', name: 'cache', namespace: 'data' },
      { kind: 'StatefulSet', name: 'cache', namespace: 'data' },
    ])
  })

  // Issue 9, item 2: `name: {{` followed by 4000 spaces took about a minute in the old regular
  // expressions (cubic: 2000 spaces took 7-11 s). Scanning is linear now, so these inputs, a
  // thousand times longer in total, finish in milliseconds. The bound is deliberately generous
  // (2 s, not a benchmark): it only separates linear from the old seconds-to-minutes.
  it('scans pathological runs of spaces in linear time', () => {
    const spaces = ' '.repeat(4000)
    const lines = [
      `  name: {{${spaces}x`,
      `  name: {{ (${spaces}x }}`,
      `  name: a${spaces}x${spaces}#`,
      `  annotations:\n    helm.sh/hook:${spaces}x`,
      `  annotations:\n    ${`"helm.sh/hook": ${spaces}`.repeat(200)}`,
      `  name: ${'{{'.repeat(50_000)}${spaces}`,
    ]
    const templates = lines.map((line, i) => t(`templates/p${i}.yaml`, `kind: ConfigMap\nmetadata:\n${line}\n`))
    templates.push(t('templates/long.yaml', `kind${spaces.repeat(100)}: x\nmetadata: ${spaces.repeat(100)}y\n`))
    const started = performance.now()
    const resources = resourcesFromTemplates(templates, 'r', 'ns')
    const elapsed = performance.now() - started
    expect(resources.map((r) => r.name)).toEqual(['r-p0', 'r-p1', `a${spaces}x`, 'r-p3', 'r-p4', 'r-p5'])
    expect(elapsed).toBeLessThan(2000)
  })

  it('bounds the work per chart: resources reported and bytes scanned', () => {
    const many = Array.from({ length: MAX_RESOURCES + 500 }, (_, i) => `kind: ConfigMap\nmetadata:\n  name: c${i}`).join('\n---\n')
    expect(resourcesFromTemplates([t('templates/many.yaml', many)], 'r', 'ns')).toHaveLength(MAX_RESOURCES)

    const filler = `# ${'x'.repeat(MAX_SCANNED_BYTES)}\n`
    const resources = resourcesFromTemplates(
      [t('templates/a.yaml', 'kind: Service\n'), t('templates/b.yaml', filler), t('templates/c.yaml', 'kind: Secret\n')],
      'r',
      'ns',
    )
    expect(resources).toEqual([{ kind: 'Service', name: 'r-a', namespace: 'ns' }])
  })
})
