/** The error envelope of DESIGN §4, with a request id and nothing of a stack. */
export function expectEnvelope(
  body: Record<string, unknown>,
  statusCode: number,
  errorCode: string,
): void {
  expect(body).toMatchObject({ success: false, statusCode, error_code: errorCode });
  expect(typeof body.message).toBe('string');
  expect(Array.isArray(body.details)).toBe(true);
  expect(typeof body.requestId).toBe('string');
  expect((body.requestId as string).length).toBeGreaterThan(0);
  expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules|stack/);
}
