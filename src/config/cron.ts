/** A five- or six-field cron expression as @nestjs/schedule (the `cron` package) accepts it. */
export function isCronExpression(value: string): boolean {
  const fields = value.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return false;
  return fields.every((field) => /^[\d*/,\-A-Za-z?LW#]+$/.test(field));
}
