import { readFile } from 'node:fs/promises'
import { describe, it, expect } from 'vitest'
import { readChartPackage, DEFAULT_CHART_LIMITS } from '../../src/charts/package-reader.js'
import { resourcesFromTemplates } from '../../src/charts/template-resources.js'

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
})
