import { useState, type FormEvent } from 'react';
import { BillingApiError, type BillingProfile } from '@billing-service/client';
import { DoneNotice, Empty, Loading } from '../components';
import { ErrorNotice } from '../errors';
import { useBillingBlockedReason } from '../permissions';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const TAX_ID_TYPES = ['eu_vat', 'gb_vat', 'us_ein', 'au_abn', 'ca_bn', 'ch_vat', 'no_vat'];

/** Name, address and one tax id invoices are made out to (billing admins only). */
export function BillingProfileSection() {
  const blocked = useBillingBlockedReason();
  if (blocked !== null) return null;
  return <BillingProfileForm />;
}

function BillingProfileForm() {
  const { client } = useSession();
  const profile = useResource(() => client.billingProfile.get(), 'billing-profile');
  const [saved, setSaved] = useState<BillingProfile | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const current = saved ?? profile.data;

  if (profile.loading && !profile.data) return <Loading label="Loading billing details…" />;
  if (
    profile.error instanceof BillingApiError &&
    profile.error.code === 'BILLING_PROFILE_NOT_FOUND'
  )
    return (
      <section className="panel" aria-labelledby="profile-title">
        <h2 id="profile-title">Billing details</h2>
        <Empty title="Your billing details are saved with your first purchase." />
      </section>
    );

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string): string | undefined => {
      const entry = form.get(name);
      const value = typeof entry === 'string' ? entry.trim() : '';
      return value === '' ? undefined : value;
    };
    const country = text('country');
    const taxValue = text('taxIdValue');
    setBusy(true);
    setError(null);
    try {
      setSaved(
        await client.billingProfile.update({
          ...(text('name') !== undefined ? { name: text('name') } : {}),
          address:
            country === undefined
              ? null
              : {
                  line1: text('line1'),
                  city: text('city'),
                  postalCode: text('postalCode'),
                  country: country.toUpperCase(),
                },
          taxIds:
            taxValue === undefined
              ? []
              : [{ type: text('taxIdType') ?? 'eu_vat', value: taxValue }],
        }),
      );
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  }

  const taxId = current?.taxIds[0];
  return (
    <section className="panel" aria-labelledby="profile-title">
      <h2 id="profile-title">Billing details</h2>
      <p className="muted">Shown on your invoices. Tax is computed from the country.</p>
      {profile.error ? <ErrorNotice error={profile.error} onRetry={profile.reload} /> : null}
      {error ? <ErrorNotice error={error} /> : null}
      <DoneNotice>{saved ? 'Billing details saved.' : null}</DoneNotice>
      {current ? (
        <form
          key={JSON.stringify(current)}
          className="stacked"
          onSubmit={(event) => void submit(event)}
        >
          <label htmlFor="profile-name">Name or company</label>
          <input id="profile-name" name="name" defaultValue={current.name ?? ''} />
          <label htmlFor="profile-line1">Address</label>
          <input id="profile-line1" name="line1" defaultValue={current.address?.line1 ?? ''} />
          <label htmlFor="profile-city">City</label>
          <input id="profile-city" name="city" defaultValue={current.address?.city ?? ''} />
          <label htmlFor="profile-postal">Postal code</label>
          <input
            id="profile-postal"
            name="postalCode"
            defaultValue={current.address?.postalCode ?? ''}
          />
          <label htmlFor="profile-country">Country (two letters)</label>
          <input
            id="profile-country"
            name="country"
            maxLength={2}
            defaultValue={current.address?.country ?? ''}
          />
          <label htmlFor="profile-tax-type">Tax ID type</label>
          <select id="profile-tax-type" name="taxIdType" defaultValue={taxId?.type ?? 'eu_vat'}>
            {TAX_ID_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
          <label htmlFor="profile-tax-value">Tax ID</label>
          <input id="profile-tax-value" name="taxIdValue" defaultValue={taxId?.value ?? ''} />
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Saving…' : 'Save billing details'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
