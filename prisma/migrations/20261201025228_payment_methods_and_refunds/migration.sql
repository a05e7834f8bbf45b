-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "defaultPaymentMethodId" TEXT;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "amountRefunded" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "PaymentMethod" (
    "id" UUID NOT NULL,
    "stripeId" TEXT NOT NULL,
    "stripeCustomerId" TEXT,
    "type" TEXT NOT NULL,
    "brand" TEXT,
    "last4" TEXT,
    "expMonth" INTEGER,
    "expYear" INTEGER,
    "funding" TEXT,
    "stripeCreatedAt" TIMESTAMPTZ(3) NOT NULL,
    "detachedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PaymentMethod_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PaymentMethod_stripeId_key" ON "PaymentMethod"("stripeId");

-- CreateIndex
CREATE INDEX "PaymentMethod_stripeCustomerId_stripeCreatedAt_idx" ON "PaymentMethod"("stripeCustomerId", "stripeCreatedAt" DESC);
