// SSRF defence: webhook URLs must be http(s) and must not reach loopback, private, link-local, unique-local
// or other special addresses, in any spelling — checked at registration and again at every connection, after DNS.
import dns from 'node:dns'
import net from 'node:net'
import ipaddr from 'ipaddr.js'
import { invalid } from '../domain/errors.ts'
import { embeddedIPv4, isPublicAddress } from './address-class.ts'

const forbidden = new net.BlockList()
for (const [address, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  forbidden.addSubnet(address, prefix, 'ipv4')
for (const [address, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local (incl. fd00:ec2::254 metadata)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  forbidden.addSubnet(address, prefix, 'ipv6')

/** Whether an IP address is one a webhook may never reach (unless private networks are allowed). */
export function isForbiddenAddress(address: string): boolean {
  if (!isPublicAddress(address)) return true
  const family = net.isIP(address)
  if (family === 4) return forbidden.check(address, 'ipv4')
  return (
    forbidden.check(address, 'ipv6') ||
    embeddedIPv4(ipaddr.IPv6.parse(address)).some((v4) => forbidden.check(v4.toString(), 'ipv4'))
  )
}

const stripBrackets = (host: string) => host.replace(/^\[|\]$/g, '')

/** Shape rules of a webhook URL; returns the parsed URL. */
export function parseWebhookUrl(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid('url', 'url must be an absolute http or https URL.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('url', 'url must use http or https.')
  if (url.username || url.password) throw invalid('url', 'url must not carry credentials.')
  return url
}

async function lookupAll(hostname: string, timeoutMs: number): Promise<string[] | null> {
  const lookup = dns.promises
    .lookup(hostname, { all: true, verbatim: true })
    .then((rows) => rows.map((r) => r.address))
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref())
  return Promise.race([lookup.catch(() => null), timeout])
}

/**
 * Refuses a URL whose host is, or resolves to, a forbidden address. A name that does not resolve now is
 * accepted: it is checked again, after resolution, at every connection.
 */
export async function assertPublicUrl(value: string, allowPrivate: boolean): Promise<URL> {
  const url = parseWebhookUrl(value)
  if (allowPrivate) return url
  const host = stripBrackets(url.hostname)
  const addresses = net.isIP(host) ? [host] : await lookupAll(host, 3000)
  if (addresses?.some(isForbiddenAddress))
    throw invalid(
      'url',
      'url must not point to a loopback, private, link-local or otherwise internal address.',
    )
  return url
}

export class ForbiddenAddressError extends Error {
  constructor(address: string) {
    super(`The address ${address} is not allowed for webhooks.`)
    this.name = 'ForbiddenAddressError'
  }
}

/**
 * A dns.lookup for the HTTP client's connections: it resolves, refuses any forbidden address, and hands
 * the connection the very address it vetted (no second resolution, so no DNS rebinding in between).
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as unknown as dns.LookupAddress[]
      const chosen = allowPrivate ? list[0] : list.find((a) => !isForbiddenAddress(a.address))
      const bad = list.find((a) => isForbiddenAddress(a.address))
      if (!chosen || (!allowPrivate && bad))
        return callback(new ForbiddenAddressError(bad?.address ?? hostname), '', 0)
      if ((options as dns.LookupOptions).all) return callback(null, [chosen] as never, chosen.family)
      return callback(null, chosen.address, chosen.family)
    })
  }
}

/** An IP literal in a URL never goes through DNS: check it directly before connecting. */
export function assertLiteralAllowed(url: URL, allowPrivate: boolean): void {
  const host = stripBrackets(url.hostname)
  if (!allowPrivate && net.isIP(host) && isForbiddenAddress(host)) throw new ForbiddenAddressError(host)
}
