/**
 * Stripe's test cards (https://docs.stripe.com/testing). A card either declines when it is first
 * used (`declineCode`) or is accepted and then fails every later charge (`failsLaterCharges`).
 */
export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay';
  funding: 'credit' | 'debit' | 'prepaid';
  declineCode: string | null;
  failsLaterCharges: boolean;
}

type CardSpec = Omit<TestCard, 'number' | 'funding' | 'failsLaterCharges'> &
  Partial<Pick<TestCard, 'funding' | 'failsLaterCharges'>>;

const CARDS: Record<string, CardSpec> = {
  // Brands (succeed).
  '4242424242424242': { brand: 'visa', declineCode: null },
  '4000056655665556': { brand: 'visa', declineCode: null, funding: 'debit' },
  '5555555555554444': { brand: 'mastercard', declineCode: null },
  '2223003122003222': { brand: 'mastercard', declineCode: null },
  '5200828282828210': { brand: 'mastercard', declineCode: null, funding: 'debit' },
  '5105105105105100': { brand: 'mastercard', declineCode: null, funding: 'prepaid' },
  '378282246310005': { brand: 'amex', declineCode: null },
  '371449635398431': { brand: 'amex', declineCode: null },
  '6011111111111117': { brand: 'discover', declineCode: null },
  '6011000990139424': { brand: 'discover', declineCode: null },
  '3056930009020004': { brand: 'diners', declineCode: null },
  '36227206271667': { brand: 'diners', declineCode: null },
  '3566002020360505': { brand: 'jcb', declineCode: null },
  '6200000000000005': { brand: 'unionpay', declineCode: null },
  // Attaches, then every charge fails.
  '4000000000000341': { brand: 'visa', declineCode: null, failsLaterCharges: true },
  // Declines.
  '4000000000000002': { brand: 'visa', declineCode: 'generic_decline' },
  '4000000000009995': { brand: 'visa', declineCode: 'insufficient_funds' },
  '4000000000009987': { brand: 'visa', declineCode: 'lost_card' },
  '4000000000009979': { brand: 'visa', declineCode: 'stolen_card' },
  '4000000000000069': { brand: 'visa', declineCode: 'expired_card' },
  '4000000000000127': { brand: 'visa', declineCode: 'incorrect_cvc' },
  '4000000000000119': { brand: 'visa', declineCode: 'processing_error' },
  '4000000000006975': { brand: 'visa', declineCode: 'card_velocity_exceeded' },
  '4100000000000019': { brand: 'visa', declineCode: 'fraudulent' },
};

/** `pm_card_*` test payment method tokens, mapped to the card they stand for. */
const TOKENS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_mastercard_debit: '5200828282828210',
  pm_card_mastercard_prepaid: '5105105105105100',
  pm_card_amex: '378282246310005',
  pm_card_discover: '6011111111111117',
  pm_card_diners: '3056930009020004',
  pm_card_jcb: '3566002020360505',
  pm_card_unionpay: '6200000000000005',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_visa_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_visa_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_visa_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_visa_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_visa_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_visa_chargeDeclinedVelocityLimitExceeded: '4000000000006975',
  pm_card_chargeDeclinedVelocityLimitExceeded: '4000000000006975',
  pm_card_radarBlock: '4100000000000019',
};

const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  card_velocity_exceeded:
    'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
  fraudulent: 'Your card was declined.',
};

export function declineMessage(code: string): string {
  return DECLINE_MESSAGES[code] ?? 'Your card was declined.';
}

/** Card error `code` for a decline reason (Stripe uses specific codes for a few reasons). */
export function declineErrorCode(declineCode: string): string {
  if (
    declineCode === 'expired_card' ||
    declineCode === 'incorrect_cvc' ||
    declineCode === 'processing_error'
  )
    return declineCode;
  return 'card_declined';
}

export function findTestCard(number: string): TestCard | undefined {
  const digits = number.replace(/[\s-]/g, '');
  const card = CARDS[digits];
  if (card === undefined) return undefined;
  return { funding: 'credit', failsLaterCharges: false, ...card, number: digits };
}

export function testCardForToken(token: string): TestCard | undefined {
  const number = TOKENS[token];
  return number === undefined ? undefined : findTestCard(number);
}

/** Numbers failing the Luhn check are `incorrect_number`; valid but unknown ones are live cards, which test mode refuses. */
export function isLuhnValid(number: string): boolean {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The moment a card stops working: the end of its expiry month (UTC). */
export function cardExpiresAt(expMonth: number, expYear: number): number {
  return Math.floor(Date.UTC(expYear, expMonth, 1) / 1000);
}
