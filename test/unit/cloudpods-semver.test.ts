import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { compareVersions, newestFirst, parseVersion, pickVersion, VersionConstraint } from '../../src/cloudpods/semver.js'

const matches = (constraint: string, version: string): boolean => VersionConstraint.parse(constraint).matches(version)

describe('chart version parsing and order', () => {
  it('accepts SemVer 2 with Masterminds leniency', () => {
    expect(parseVersion('8.11.2')).toEqual({ major: 8, minor: 11, patch: 2, prerelease: [] })
    expect(parseVersion('v1.2')).toEqual({ major: 1, minor: 2, patch: 0, prerelease: [] })
    expect(parseVersion('1.0.0-rc.1+build.5')).toEqual({ major: 1, minor: 0, patch: 0, prerelease: ['rc', 1] })
    for (const bad of ['', 'latest', '1.2.3.4', '1..2', '1.2.3-', '>1.0.0']) expect(parseVersion(bad)).toBeUndefined()
  })

  it('orders by SemVer precedence, pre-releases below their release', () => {
    const sorted = ['1.0.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '0.9.9', '10.0.0', '2.0.0']
      .sort(newestFirst)
    expect(sorted).toEqual(['10.0.0', '2.0.0', '1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta', '1.0.0-alpha.beta', '1.0.0-alpha.1', '1.0.0-alpha', '0.9.9'])
    expect(compareVersions(parseVersion('1.0.0+a')!, parseVersion('1.0.0+b')!)).toBe(0)
  })
})

describe('VersionConstraint (Helm / Masterminds semver v3 rules)', () => {
  it.each([
    // [constraint, version, matches]
    ['8.11.2', '8.11.2', true],
    ['8.11.2', '8.11.1', false],
    ['=8.11', '8.11.7', true],
    ['8.11', '8.12.0', false],
    ['8.x', '8.99.0', true],
    ['*', '0.0.1', true],
    ['*', '1.0.0-rc.1', false],
    ['!=8.11.1', '8.11.2', true],
    ['!=8.11.1', '8.11.1', false],
    ['>8.11.1', '8.11.2', true],
    ['>8.11', '8.11.9', false],
    ['>8.11', '8.12.0', true],
    ['>=8.11.1', '8.11.1', true],
    ['>= 8.11.1', '8.11.0', false],
    ['=>8.11.1', '9.0.0', true],
    ['<8.11.2', '8.11.1', true],
    ['<8.11', '8.11.0', false],
    ['<=8.11.1', '8.11.1', true],
    ['<=8.11', '8.11.9', true],
    ['=<8.11', '8.12.0', false],
    ['~8.11.1', '8.11.9', true],
    ['~8.11.1', '8.12.0', false],
    ['~8.11.1', '8.11.0', false],
    ['~>8.11', '8.11.0', true],
    ['~8', '8.99.0', true],
    ['~8', '9.0.0', false],
    ['^8.11.1', '8.99.0', true],
    ['^8.11.1', '9.0.0', false],
    ['^8.11.1', '8.11.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['^0.0', '0.0.9', true],
    ['^0.0', '0.1.0', false],
    ['^0', '0.9.0', true],
    ['^0', '1.0.0', false],
    ['>=8.0.0 <9.0.0', '8.11.2', true],
    ['>=8.0.0, <8.11.2', '8.11.2', false],
    ['8.0 - 8.11', '8.11.5', true],
    ['8.0 - 8.11', '8.12.0', false],
    ['8.11.1 - 8.11.2', '8.11.0', false],
    ['<8 || >=9.1', '9.1.0', true],
    ['<8 || >=9.1', '8.5.0', false],
    ['v8.11.2', '8.11.2', true],
    // pre-releases only match a comparator carrying one
    ['>0.0.0-0', '9.0.0-rc.1', true],
    ['>0.0.0-0', '8.11.2', true],
    ['>0.0.0', '9.0.0-rc.1', false],
    ['>=9.0.0-0', '9.0.0-rc.1', true],
    ['^8.11.1', '8.12.0-rc.1', false],
    ['9.0.0-rc.1', '9.0.0-rc.1', true],
    ['>=1.0.0', 'not-a-version', false],
  ])('%s matches %s: %s', (constraint, version, expected) => {
    expect(matches(constraint, version)).toBe(expected)
  })

  it.each(['', '   ', 'latest', '>>1.0.0', '1.2.3.4', '^', '1.0 ||', 'x'.repeat(300)])('refuses %j with a ValidationError on field version', (text) => {
    let err: unknown
    try {
      VersionConstraint.parse(text)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).field).toBe('version')
  })
})

describe('pickVersion', () => {
  const versions = ['8.11.1', '8.11.2', '8.10.0', '9.0.0-rc.1']

  it('takes the newest, pre-releases included, when no version is asked for', () => {
    expect(pickVersion(versions, undefined)).toBe('9.0.0-rc.1')
    expect(pickVersion(versions, '')).toBe('9.0.0-rc.1')
    expect(pickVersion(versions, '>0.0.0-0')).toBe('9.0.0-rc.1')
  })

  it('takes the newest version satisfying a constraint, or the exact one asked for', () => {
    expect(pickVersion(versions, '8.11.1')).toBe('8.11.1')
    expect(pickVersion(versions, '^8.10')).toBe('8.11.2')
    expect(pickVersion(versions, '~8.10')).toBe('8.10.0')
    expect(pickVersion(versions, '*')).toBe('8.11.2')
    expect(pickVersion(versions, '>=10')).toBeUndefined()
    expect(pickVersion([], undefined)).toBeUndefined()
  })

  it('prefers a version spelled exactly as asked (Helm IndexFile.Get)', () => {
    expect(pickVersion(['1.0', '1.0.0'], '1.0')).toBe('1.0')
  })
})
