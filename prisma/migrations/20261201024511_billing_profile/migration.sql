-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "billingAddressCity" TEXT,
ADD COLUMN     "billingAddressCountry" TEXT,
ADD COLUMN     "billingAddressLine1" TEXT,
ADD COLUMN     "billingAddressLine2" TEXT,
ADD COLUMN     "billingAddressPostalCode" TEXT,
ADD COLUMN     "billingAddressState" TEXT,
ADD COLUMN     "billingName" TEXT;

-- CreateTable
CREATE TABLE "CustomerTaxId" (
    "id" UUID NOT NULL,
    "stripeId" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "stripeCustomerId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "country" TEXT,
    "verificationStatus" TEXT,
    "stripeCreatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CustomerTaxId_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CustomerTaxId_stripeId_key" ON "CustomerTaxId"("stripeId");

-- CreateIndex
CREATE INDEX "CustomerTaxId_accountId_stripeCreatedAt_idx" ON "CustomerTaxId"("accountId", "stripeCreatedAt");

-- CreateIndex
CREATE INDEX "CustomerTaxId_stripeCustomerId_idx" ON "CustomerTaxId"("stripeCustomerId");

-- AddForeignKey
ALTER TABLE "CustomerTaxId" ADD CONSTRAINT "CustomerTaxId_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
