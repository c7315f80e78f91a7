/**
 * Composes the functions into one Hono app under `/v1`, with the cross-cutting middleware:
 * request ids, secure headers, CORS, access (API keys, scopes, rate limits), body limit, request
 * timeout, problem+json errors, the OpenAPI document with its docs page, and the web app at `/`.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timeout } from "hono/timeout";
import { FUNCTIONS } from "./functions/mod.ts";
import { access } from "./functions/http/access.ts";
import type { AppEnv } from "./functions/http/app_env.ts";
import { corsPolicy } from "./functions/http/cors_policy.ts";
import { renderDocsPage } from "./functions/http/docs_page.ts";
import { BEARER_AUTH, BEARER_AUTH_SCHEME, readSecurity } from "./functions/http/route_access.ts";
import { notFound, onError, validationHook } from "./functions/http/problem_response.ts";
import { webApp } from "./functions/web_app.ts";
import { Problem } from "./shared/problem.ts";
import type { Services } from "./shared/services.ts";

/** The version reported in the OpenAPI document. */
export const API_VERSION = "0.1.0";

/**
 * Builds the app over `services`, mounting `functions` (all by default, or the names in the
 * config's `functions`).
 *
 * @throws {RangeError} when the config names a function this build does not ship.
 */
export function createApp(
  services: Services,
  functions: Readonly<Record<string, OpenAPIHono<AppEnv>>> = FUNCTIONS,
): OpenAPIHono<AppEnv> {
  const { http } = services.config;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(onError);
  app.notFound(notFound);

  app.use(requestId({ limitLength: 128 }));
  app.use(secureHeaders());
  app.use(corsPolicy({
    origins: http.corsOrigins,
    allowHeaders: ["content-type", "authorization", "x-request-id"],
    exposeHeaders: [
      "x-request-id",
      "retry-after",
      "x-stave-seed",
      "x-stave-finish",
      "ratelimit",
      "ratelimit-policy",
    ],
    maxAge: 600,
  }));
  app.use(async (c, next) => {
    c.set("services", services);
    await next();
  });
  app.use(
    "/v1/*",
    access({
      auth: services.config.auth,
      rateLimits: services.config.rateLimits,
      // Probes must always answer; the webhook's signature is its only authentication.
      exempt: ["/v1/health", "/v1/hooks/"],
      alwaysPublic: ["/v1/openapi.json", "/v1/docs"],
    }),
  );
  app.use(bodyLimit({
    maxSize: http.maxBodyBytes,
    onError: () => {
      throw new Problem(413, `Request body exceeds the limit of ${http.maxBodyBytes} bytes`, {
        slug: "body-too-large",
        extensions: { limit: http.maxBodyBytes },
      });
    },
  }));
  app.use(timeout(
    http.requestTimeoutMs,
    () => new HTTPException(503, { message: `No answer within ${http.requestTimeoutMs} ms` }),
  ));

  const selected = services.config.functions ?? Object.keys(functions);
  for (const name of selected) {
    const fn = functions[name];
    if (fn === undefined) {
      throw new RangeError(
        `Unknown function "${name}": expected one of ${Object.keys(functions).join(", ")}`,
      );
    }
    app.route("/v1", fn);
  }

  const info = {
    title: "Stave",
    version: API_VERSION,
    description: "Read sheet music from photos and find it again.",
  };
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_AUTH, BEARER_AUTH_SCHEME);
  // Read routes declare no security of their own: they inherit this, which follows the config.
  const document = {
    openapi: "3.1.0",
    info,
    security: readSecurity(services.config.auth.publicRead),
  };
  app.doc31("/v1/openapi.json", document);
  app.get("/v1/docs", (c) => {
    const rendered = app.getOpenAPI31Document(document);
    return c.html(renderDocsPage(rendered as never, "/v1/openapi.json"));
  });
  app.route("/", webApp(services.config.web.dir));
  return app;
}
