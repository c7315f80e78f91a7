/**
 * Access: scoped API keys hashed at rest, their authentication, token-bucket rate limits and the
 * client address they count by.
 *
 * @module
 */
export * from "./api_keys.ts";
export * from "./authenticate.ts";
export * from "./client_ip.ts";
export * from "./scopes.ts";
export * from "./token_buckets.ts";
