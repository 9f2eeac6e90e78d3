// The retention settings: documented defaults, 0 meaning "keep" (deliveries, audit) or "no purge here" (interval).
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('retention configuration', () => {
  it('has the documented defaults: deliveries 30 days, outbox 24 hours, audit kept forever', () => {
    expect(loadConfig({}).retention).toEqual({
      intervalSeconds: 60,
      batchSize: 1000,
      outboxHours: 24,
      deliveriesDays: 30,
      auditDays: 0,
    })
  })

  it('reads every variable', () => {
    const config = loadConfig({
      RETENTION_INTERVAL_S: '0',
      RETENTION_BATCH_SIZE: '500',
      RETENTION_OUTBOX_HOURS: '0',
      RETENTION_DELIVERIES_DAYS: '7',
      RETENTION_AUDIT_DAYS: '365',
    })
    expect(config.retention).toEqual({
      intervalSeconds: 0,
      batchSize: 500,
      outboxHours: 0,
      deliveriesDays: 7,
      auditDays: 365,
    })
  })

  it.each([
    ['RETENTION_INTERVAL_S', '-1'],
    ['RETENTION_BATCH_SIZE', '0'],
    ['RETENTION_BATCH_SIZE', '10001'],
    ['RETENTION_OUTBOX_HOURS', 'a day'],
    ['RETENTION_DELIVERIES_DAYS', '1.5'],
    ['RETENTION_AUDIT_DAYS', '-30'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })
})
