/**
 * Token-bucket rate limiting in process memory: each key (an API key, a client address) has a
 * bucket of `burst` tokens refilled at `perMinute` a minute; a request takes one or is refused.
 * Buckets idle long enough to be full again are dropped, and at most `maxBuckets` are kept, so
 * memory stays bounded whatever the traffic. One process, one set of buckets: instances behind a
 * load balancer each count on their own (a shared store would be needed to count together).
 *
 * @module
 */

/** A rate: a sustained number of requests a minute and the burst allowed above it. */
export interface RateLimit {
  /** Tokens added per minute, more than 0. */
  readonly perMinute: number;
  /** Bucket size: requests allowed at once after a quiet spell, at least 1. */
  readonly burst: number;
}

/** What {@linkcode TokenBuckets.take} decided. */
export interface RateDecision {
  /** Whether the request may go ahead (it took a token). */
  readonly allowed: boolean;
  /** Whole tokens left in the bucket. */
  readonly remaining: number;
  /** Seconds until a refused request would be allowed; 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
}

/** Options of {@linkcode TokenBuckets}. */
export interface TokenBucketsOptions {
  /** Most buckets kept; the least recently used go first (default 100,000). */
  readonly maxBuckets?: number;
  /** The clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Buckets of one rate, by key.
 *
 * @example
 * ```ts
 * import { TokenBuckets } from "./token_buckets.ts";
 * let clock = 0;
 * const buckets = new TokenBuckets({ perMinute: 60, burst: 2 }, { now: () => clock });
 * console.assert(buckets.take("a").allowed && buckets.take("a").allowed);
 * console.assert(buckets.take("a").retryAfterSeconds === 1);
 * clock += 1_000;
 * console.assert(buckets.take("a").allowed);
 * ```
 */
export class TokenBuckets {
  readonly #limit: RateLimit;
  readonly #perMs: number;
  readonly #fullMs: number;
  readonly #maxBuckets: number;
  readonly #now: () => number;
  // In order of last use: the first entries are the idlest.
  readonly #buckets = new Map<string, Bucket>();

  /**
   * Buckets refilled at `limit`.
   *
   * @throws {RangeError} when the rate, the burst or `maxBuckets` is out of range.
   */
  constructor(limit: RateLimit, options: TokenBucketsOptions = {}) {
    if (!(limit.perMinute > 0) || !Number.isInteger(limit.burst) || limit.burst < 1) {
      throw new RangeError(
        `Invalid rate limit ${limit.perMinute}/min, burst ${limit.burst}: expected a rate above 0 and a burst of 1 or more`,
      );
    }
    const maxBuckets = options.maxBuckets ?? 100_000;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 1) {
      throw new RangeError(`Invalid maxBuckets ${maxBuckets}: expected 1 or more`);
    }
    this.#limit = limit;
    this.#perMs = limit.perMinute / 60_000;
    this.#fullMs = limit.burst / this.#perMs;
    this.#maxBuckets = maxBuckets;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The rate these buckets enforce. */
  get limit(): RateLimit {
    return this.#limit;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes a token from `key`'s bucket when there is one. */
  take(key: string): RateDecision {
    const now = this.#now();
    const found = this.#buckets.get(key);
    let tokens = this.#limit.burst;
    if (found !== undefined) {
      tokens = Math.min(tokens, found.tokens + (now - found.at) * this.#perMs);
      this.#buckets.delete(key); // re-inserted last: the most recently used
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.#buckets.set(key, { tokens, at: now });
    this.#evict(now);
    return {
      allowed,
      remaining: Math.floor(tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000)),
      resetSeconds: Math.ceil((this.#limit.burst - tokens) / this.#perMs / 1000),
    };
  }

  /** Drops buckets full again by now (as good as absent), then the idlest beyond the cap. */
  #evict(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      const idle = now - bucket.at >= this.#fullMs;
      if (!idle && this.#buckets.size <= this.#maxBuckets) break;
      this.#buckets.delete(key);
    }
  }
}
