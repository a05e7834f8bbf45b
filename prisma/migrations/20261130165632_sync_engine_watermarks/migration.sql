-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "amount" INTEGER,
ADD COLUMN     "discount" JSONB;

-- CreateTable
CREATE TABLE "StripeObjectWatermark" (
    "stripeId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "stateFrom" BIGINT NOT NULL,
    "stateUntil" BIGINT,
    "progress" INTEGER[],
    "hash" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "lastEventId" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StripeObjectWatermark_pkey" PRIMARY KEY ("stripeId")
);

-- CreateTable
CREATE TABLE "StripeRateBudget" (
    "account" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "StripeRateBudget_pkey" PRIMARY KEY ("account")
);
