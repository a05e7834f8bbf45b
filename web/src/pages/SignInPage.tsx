import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../errors';
import { navigate } from '../router';
import { useSession } from '../session';

/** Sandbox people and organisations; the ids become the token's `sub` and `org_id` claims. */
const PEOPLE = [
  { id: 'user_ada', name: 'Ada Lovelace' },
  { id: 'user_grace', name: 'Grace Hopper' },
  { id: 'user_alan', name: 'Alan Turing' },
] as const;
const ORGANISATIONS = [
  { id: 'org_acme', name: 'Acme Inc.' },
  { id: 'org_globex', name: 'Globex' },
] as const;
const ROLES = ['owner', 'admin', 'member'] as const;

const emailOf = (userId: string): string => `${userId.replace(/^user_/, '')}@example.com`;

/**
 * Sandbox sign-in: pick a person, or a member of an organisation with a role. In production the
 * product's own identity provider issues the token; this page only exists for the sandbox.
 */
export function SignInPage() {
  const { client, config, signIn } = useSession();
  const [kind, setKind] = useState<'personal' | 'organisation'>('personal');
  const [person, setPerson] = useState<string>(PEOPLE[0].id);
  const [newPerson, setNewPerson] = useState('');
  const [organisation, setOrganisation] = useState<string>(ORGANISATIONS[0].id);
  const [role, setRole] = useState<string>('owner');
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const sandbox = config === null || config.mode === 'sandbox';

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const userId = person === 'new' ? newPerson.trim() : person;
      const name =
        person === 'new'
          ? userId
          : (PEOPLE.find((candidate) => candidate.id === person)?.name ?? userId);
      const org = ORGANISATIONS.find((candidate) => candidate.id === organisation);
      const issued = await client.sandbox.signIn({
        userId,
        email: emailOf(userId),
        ...(kind === 'organisation' ? { orgId: organisation, role } : {}),
      });
      signIn({
        token: issued.token,
        expiresAt: issued.expiresAt,
        label: kind === 'organisation' ? `${name} · ${org?.name ?? organisation} (${role})` : name,
      });
      navigate('/pricing');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  function usePastedToken(event: FormEvent): void {
    event.preventDefault();
    signIn({
      token: pasted.trim(),
      expiresAt: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
      label: 'Signed in with a token',
    });
    navigate('/pricing');
  }

  if (!sandbox) {
    return (
      <section className="panel narrow" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in</h1>
        <p>
          This service runs against Stripe: tokens come from your identity provider. Paste one to
          try the pages.
        </p>
        <form className="stacked" onSubmit={usePastedToken}>
          <label htmlFor="token">Bearer token (JWT)</label>
          <textarea
            id="token"
            rows={4}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            required
          />
          <button type="submit" className="button">
            Use this token
          </button>
        </form>
      </section>
    );
  }

  return (
    <section className="panel narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to the sandbox</h1>
      <p className="muted">
        Sandbox only: pick who you are. In production your product&apos;s own sign-in issues the
        token.
      </p>
      {error ? <ErrorNotice error={error} /> : null}
      <form className="stacked" onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>Account</legend>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="personal"
              checked={kind === 'personal'}
              onChange={() => setKind('personal')}
            />
            A personal account
          </label>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="organisation"
              checked={kind === 'organisation'}
              onChange={() => setKind('organisation')}
            />
            A member of an organisation (the organisation pays)
          </label>
        </fieldset>

        <label htmlFor="person">Person</label>
        <select id="person" value={person} onChange={(e) => setPerson(e.target.value)}>
          {PEOPLE.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({candidate.id})
            </option>
          ))}
          <option value="new">Someone new…</option>
        </select>
        {person === 'new' ? (
          <>
            <label htmlFor="new-person">User id</label>
            <input
              id="new-person"
              value={newPerson}
              onChange={(e) => setNewPerson(e.target.value)}
              placeholder="user_jane"
              pattern="[A-Za-z0-9][\w.:@\-]{0,63}"
              required
            />
          </>
        ) : null}

        {kind === 'organisation' ? (
          <div className="row">
            <div>
              <label htmlFor="organisation">Organisation</label>
              <select
                id="organisation"
                value={organisation}
                onChange={(e) => setOrganisation(e.target.value)}
              >
                {ORGANISATIONS.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="role">Role</label>
              <select id="role" value={role} onChange={(e) => setRole(e.target.value)}>
                {ROLES.map((candidate) => (
                  <option key={candidate} value={candidate}>
                    {candidate}
                  </option>
                ))}
              </select>
            </div>
          </div>
        ) : null}

        <button type="submit" className="button" aria-busy={busy || undefined} disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
