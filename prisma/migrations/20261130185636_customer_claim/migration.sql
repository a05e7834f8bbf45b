-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "customerClaimUntil" TIMESTAMPTZ(3);
