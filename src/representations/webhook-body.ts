// The body of every webhook delivery: {event, data, triggeredAt}.

export function renderBody(event: string, data: unknown, triggeredAt: Date): string {
  return JSON.stringify({ event, data, triggeredAt: triggeredAt.toISOString() })
}
