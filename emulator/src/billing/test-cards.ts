/**
 * Stripe's test cards (https://docs.stripe.com/testing). A card either declines when it is first
 * used (`declineCode`) or is accepted and then fails every later charge (`failsLaterCharges`).
 */
export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  declineCode: string | null;
  failsLaterCharges: boolean;
}

const CARDS: Record<string, Omit<TestCard, 'number'>> = {
  '4242424242424242': { brand: 'visa', declineCode: null, failsLaterCharges: false },
  '4000056655665556': { brand: 'visa', declineCode: null, failsLaterCharges: false },
  '5555555555554444': { brand: 'mastercard', declineCode: null, failsLaterCharges: false },
  '378282246310005': { brand: 'amex', declineCode: null, failsLaterCharges: false },
  '6011111111111117': { brand: 'discover', declineCode: null, failsLaterCharges: false },
  '4000000000000341': { brand: 'visa', declineCode: null, failsLaterCharges: true },
  '4000000000000002': { brand: 'visa', declineCode: 'generic_decline', failsLaterCharges: false },
  '4000000000009995': {
    brand: 'visa',
    declineCode: 'insufficient_funds',
    failsLaterCharges: false,
  },
  '4000000000009987': { brand: 'visa', declineCode: 'lost_card', failsLaterCharges: false },
  '4000000000009979': { brand: 'visa', declineCode: 'stolen_card', failsLaterCharges: false },
  '4000000000000069': { brand: 'visa', declineCode: 'expired_card', failsLaterCharges: false },
  '4000000000000127': { brand: 'visa', declineCode: 'incorrect_cvc', failsLaterCharges: false },
  '4000000000000119': { brand: 'visa', declineCode: 'processing_error', failsLaterCharges: false },
};

/** `pm_card_*` test payment method tokens, mapped to the card they stand for. */
const TOKENS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_discover: '6011111111111117',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
};

const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
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
  return card === undefined ? undefined : { number: digits, ...card };
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
