// Which IP addresses a webhook may reach: only public unicast ones. IPv6 forms that carry an IPv4 address
// (mapped, compatible, SIIT, 6to4, NAT64, Teredo) are judged by the IPv4 address they carry.
import ipaddr from 'ipaddr.js'

/** The IPv4 addresses an IPv6 address carries, by each spelling that embeds one (none: it carries none). */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const b = address.toByteArray()
  const v4 = (at: number[]) => new ipaddr.IPv4(at as [number, number, number, number])
  const zero = (from: number, to: number) => b.slice(from, to).every((byte) => byte === 0)
  const found: ipaddr.IPv4[] = []
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), ::ffff:0:a.b.c.d (SIIT, RFC 6145)
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) found.push(v4(b.slice(12)))
  if (zero(0, 12) && !zero(12, 16)) found.push(v4(b.slice(12)))
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) found.push(v4(b.slice(12)))
  // 2002:AABB:CCDD::/16 (6to4, RFC 3056)
  if (b[0] === 0x20 && b[1] === 0x02) found.push(v4(b.slice(2, 6)))
  // 64:ff9b::/96 (NAT64 well-known, RFC 6052) and 64:ff9b:1::/48 (local use, RFC 8215: bits 48–63, 72–87)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zero(4, 12)) found.push(v4(b.slice(12)))
    if (b[4] === 0x00 && b[5] === 0x01) found.push(v4([...b.slice(6, 8), ...b.slice(9, 11)]))
  }
  // 2001:0::/32 (Teredo, RFC 4380): the server in bits 32–63, the client in the last 32 bits, inverted
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) {
    found.push(v4(b.slice(4, 8)))
    found.push(v4(b.slice(12).map((byte) => byte ^ 0xff)))
  }
  return found
}

/** Whether an IPv4 address is public unicast (ipaddr.js's special ranges: private, loopback, CGNAT, …). */
const isPublicIPv4 = (address: ipaddr.IPv4) => address.range() === 'unicast'

/** Whether a webhook may connect to this address: public unicast, and so is every IPv4 address it carries. */
export function isPublicAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return false
  const address = ipaddr.parse(text)
  if (address.kind() === 'ipv4') return isPublicIPv4(address as ipaddr.IPv4)
  const v6 = address as ipaddr.IPv6
  const embedded = embeddedIPv4(v6)
  if (embedded.length > 0) return embedded.every(isPublicIPv4)
  return v6.range() === 'unicast'
}
