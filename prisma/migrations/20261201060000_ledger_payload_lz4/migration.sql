-- Stored event payloads (a few KB each, one per event) are compressed with lz4 instead of the
-- default pglz: about a third of the CPU per row on insert, the webhook path's largest write.
-- A server built without lz4 keeps pglz (the setting only changes how new values are stored).
DO $$
BEGIN
  ALTER TABLE "WebhookEvent" ALTER COLUMN "payload" SET COMPRESSION lz4;
EXCEPTION
  WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: event payloads stay compressed with pglz';
END
$$;
