-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "customerGeneration" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "CheckoutClaim" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "attemptId" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "stripeSessionId" TEXT,
    "leaseUntil" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CheckoutClaim_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CheckoutClaim_accountId_scope_key" ON "CheckoutClaim"("accountId", "scope");

-- AddForeignKey
ALTER TABLE "CheckoutClaim" ADD CONSTRAINT "CheckoutClaim_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
