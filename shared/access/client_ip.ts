/**
 * The client's address for rate limiting: the connection's peer, or, behind reverse proxies the
 * configuration trusts, the address the nearest of them saw, read from `X-Forwarded-For`.
 *
 * @module
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/i;

function isIp(text: string): boolean {
  const v4 = IPV4.exec(text);
  if (v4 !== null) return v4.slice(1).every((part) => Number(part) <= 255);
  return text.includes(":") && IPV6.test(text);
}

/**
 * The client address of a request whose connection comes from `remote`. With `trustedProxies`
 * (the number of reverse proxies in front of the server) above 0, each proxy appends the address
 * it saw to `X-Forwarded-For`, so the client is that many entries from the right; entries further
 * left are the client's own claims and never used. Without trusted proxies, or when the header
 * is missing or malformed, the header is ignored.
 *
 * @example
 * ```ts
 * import { clientIp } from "./client_ip.ts";
 * console.assert(clientIp("10.0.0.2", "6.6.6.6, 203.0.113.7", 1) === "203.0.113.7");
 * console.assert(clientIp("10.0.0.2", "203.0.113.7", 0) === "10.0.0.2");
 * ```
 */
export function clientIp(
  remote: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string | undefined {
  if (trustedProxies < 1 || forwardedFor === undefined) return remote;
  const entries = forwardedFor.split(",").map((entry) => entry.trim());
  // Fewer entries than proxies: the leftmost is what the outermost proxy saw.
  const chosen = entries[Math.max(0, entries.length - trustedProxies)]!;
  return isIp(chosen) ? chosen : remote;
}

/** The eight 16-bit groups of an IPv6 address, or `undefined` when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    // The dotted tail is the last two groups: a.b.c.d is (a.b):(c.d).
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    text = `${text.slice(0, v4.index + 1)}${high}:${low}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const side = (part: string | undefined) => (part ? part.split(":") : []);
  const head = side(halves[0]);
  const tail = side(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * The rate-limit bucket of an address: an IPv4 address itself, an IPv6 address's /64 network
 * (one subscriber usually holds a whole /64, so per-address buckets would be free to multiply),
 * and an IPv4-mapped IPv6 address as its IPv4 address.
 *
 * @example
 * ```ts
 * import { addressBucket } from "./client_ip.ts";
 * console.assert(addressBucket("2001:db8:1:2::5") === addressBucket("2001:db8:1:2:ffff::9"));
 * console.assert(addressBucket("::ffff:192.0.2.1") === "192.0.2.1");
 * ```
 */
export function addressBucket(address: string): string {
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}
