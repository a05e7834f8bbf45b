-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "invoiceDefaultPaymentMethodId" TEXT;

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "defaultPaymentMethodId" TEXT,
ADD COLUMN     "trialEndBehavior" TEXT;
