/**
 * The OpenAPI schema of problem answers, for route definitions.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { PROBLEM_JSON } from "./problem_response.ts";

/** The RFC 9457 problem document as a Zod schema. */
export const ProblemSchema = z.object({
  type: z.string().openapi({ example: "urn:stave:problem:invalid-request" }),
  title: z.string().openapi({ example: "Bad Request" }),
  status: z.number().int().openapi({ example: 400 }),
  detail: z.string().openapi({ example: "Invalid json: title: expected string" }),
  instance: z.string().optional(),
  requestId: z.string().optional(),
}).passthrough().openapi("Problem");

/** A response entry for route definitions: `{ 400: problem("Malformed request") }`. */
export function problem(description: string) {
  return { description, content: { [PROBLEM_JSON]: { schema: ProblemSchema } } };
}
