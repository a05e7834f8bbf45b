-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "defaultPaymentMethodId" TEXT,
ADD COLUMN     "trialEndBehavior" TEXT;
