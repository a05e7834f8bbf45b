-- DropIndex
DROP INDEX "WebhookEvent_stripeCreatedAt_idx";

-- AlterTable
ALTER TABLE "WebhookEvent" ALTER COLUMN "payload" SET DATA TYPE JSON;
