import assert from "node:assert/strict";
import { addressBucket, clientIp } from "../../../shared/access/client_ip.ts";

Deno.test("clientIp() ignores X-Forwarded-For unless proxies are trusted", () => {
  assert.equal(clientIp("198.51.100.9", "203.0.113.7", 0), "198.51.100.9");
  assert.equal(clientIp("198.51.100.9", undefined, 1), "198.51.100.9");
  assert.equal(clientIp(undefined, "203.0.113.7", 0), undefined);
});

Deno.test("clientIp() takes the entry the nearest trusted proxy appended, not the client's claims", () => {
  // The client claims 6.6.6.6; the one proxy appends what it saw.
  assert.equal(clientIp("10.0.0.2", "6.6.6.6, 203.0.113.7", 1), "203.0.113.7");
  // Two proxies: the outer one saw the client, the inner one saw the outer one.
  assert.equal(clientIp("10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2), "203.0.113.7");
  // Fewer entries than proxies: the leftmost.
  assert.equal(clientIp("10.0.0.3", "203.0.113.7", 3), "203.0.113.7");
  assert.equal(clientIp("10.0.0.2", " 2001:db8::1 ", 1), "2001:db8::1");
});

Deno.test("clientIp() falls back to the connection for a malformed forwarded entry", () => {
  for (const header of ["", "unknown", "999.1.1.1", "1.2.3.4, <script>", "a".repeat(100)]) {
    assert.equal(clientIp("10.0.0.2", header, 1), "10.0.0.2", header);
  }
});

Deno.test("addressBucket() groups IPv6 addresses by /64 and unwraps IPv4-mapped ones", () => {
  assert.equal(addressBucket("203.0.113.7"), "203.0.113.7");
  assert.equal(addressBucket("2001:db8:1:2::5"), "2001:db8:1:2::/64");
  assert.equal(addressBucket("2001:0DB8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.notEqual(addressBucket("2001:db8:1:3::5"), addressBucket("2001:db8:1:2::5"));
  assert.equal(addressBucket("::1"), "0:0:0:0::/64");
  assert.equal(addressBucket("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(addressBucket("::ffff:c000:201"), "192.0.2.1");
  assert.equal(addressBucket("1::2::3"), "1::2::3", "not an address: kept as it is");
});
