-- CreateTable
CREATE TABLE "SubscriptionItem" (
    "id" UUID NOT NULL,
    "stripeId" TEXT NOT NULL,
    "subscriptionStripeId" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "priceId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL DEFAULT 1,
    "stripeCreatedAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SubscriptionItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SubscriptionItem_stripeId_key" ON "SubscriptionItem"("stripeId");

-- CreateIndex
CREATE INDEX "SubscriptionItem_subscriptionStripeId_idx" ON "SubscriptionItem"("subscriptionStripeId");

-- CreateIndex
CREATE INDEX "SubscriptionItem_accountId_idx" ON "SubscriptionItem"("accountId");

-- CreateIndex
CREATE INDEX "SubscriptionItem_priceId_idx" ON "SubscriptionItem"("priceId");

-- CreateIndex
CREATE INDEX "SubscriptionItem_productId_idx" ON "SubscriptionItem"("productId");

-- AddForeignKey
ALTER TABLE "SubscriptionItem" ADD CONSTRAINT "SubscriptionItem_subscriptionStripeId_fkey" FOREIGN KEY ("subscriptionStripeId") REFERENCES "Subscription"("stripeId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubscriptionItem" ADD CONSTRAINT "SubscriptionItem_priceId_fkey" FOREIGN KEY ("priceId") REFERENCES "Price"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
