/** Small building blocks shared by the views: labelled fields, status chips, times, errors. */
import type { ComponentChildren } from 'preact'
import { useLatest } from './live.js'

let nextId = 0
/** A stable id for label/for pairs. */
export const fieldId = (name: string) => `f-${name}-${++nextId}`

export function Field(props: { id: string; label: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <small>{props.hint}</small>}
    </div>
  )
}

export function SelectField(props: {
  id: string
  label: string
  value: string
  onChange: (v: string) => void
  options: Array<{ value: string; label?: string }>
  /** Label of the empty choice (absent: no empty choice). */
  any?: string
}) {
  return (
    <Field id={props.id} label={props.label}>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {props.any !== undefined && <option value="">{props.any}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label ?? o.value}
          </option>
        ))}
      </select>
    </Field>
  )
}

export function TextField(props: { id: string; label: string; value: string; onInput: (v: string) => void; type?: 'text' | 'search' | 'number'; placeholder?: string; hint?: string; list?: string; min?: string; max?: string; step?: string }) {
  return (
    <Field id={props.id} label={props.label} {...(props.hint ? { hint: props.hint } : {})}>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        min={props.min}
        max={props.max}
        step={props.step}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </Field>
  )
}

const TONE: Record<string, string> = {
  DEPLOYED: 'ok',
  SUPERSEDED: 'muted',
  FAILED: 'bad',
  UNKNOWN: 'bad',
  DELETING: 'warn',
  PENDING_INSTALL: 'warn',
  PENDING_UPGRADE: 'warn',
  PENDING_ROLLBACK: 'warn',
}
export const toneOf = (status: string) => TONE[status] ?? (/fail|error/i.test(status) ? 'bad' : /ing$|pending/i.test(status) ? 'warn' : 'muted')

export function Chip(props: { status: string }) {
  return <span class={`chip ${toneOf(props.status)}`}>{props.status}</span>
}

export function ErrorNote(props: { error: string | null }) {
  if (!props.error) return null
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  )
}

export const fmtTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  const m = s / 60
  if (m < 120) return `${m.toFixed(0)} min`
  return `${(m / 60).toFixed(1)} h`
}

/** "in 25 s" / "25 s ago" against the emulator clock. */
export function relative(iso: string, now: string | undefined): string {
  if (!now) return fmtTime(iso)
  const d = Date.parse(iso) - Date.parse(now)
  return d >= 0 ? `in ${fmtDuration(d)}` : `${fmtDuration(-d)} ago`
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`

/** "in 25 s" / "25 s ago", ticking with the emulator clock (only this text re-renders each second). */
export function Relative(props: { iso: string }) {
  const now = useLatest()?.clock.now
  return <time dateTime={props.iso} title={props.iso}>{relative(props.iso, now)}</time>
}
