import { useId, type ButtonHTMLAttributes, type ReactNode } from 'react';

export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'warn' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

type ActionProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** Why the action is not available to this person; the button is then disabled and says so. */
  blockedReason?: string | null;
  /** The id of an element that already shows the reason (one notice for many buttons). */
  reasonId?: string;
  busy?: boolean;
};

/**
 * A button that, when the person may not use it, stays visible and focusable but disabled
 * (aria-disabled), with the reason next to it (or in `reasonId`) and announced with it.
 */
export function ActionButton({
  blockedReason,
  reasonId,
  busy,
  children,
  onClick,
  className,
  ...rest
}: ActionProps) {
  const ownReasonId = useId();
  const blocked = Boolean(blockedReason);
  return (
    <span className="action">
      <button
        type="button"
        className={className ?? 'button'}
        aria-disabled={blocked || busy ? true : undefined}
        aria-describedby={blocked ? (reasonId ?? ownReasonId) : undefined}
        aria-busy={busy ? true : undefined}
        onClick={blocked || busy ? undefined : onClick}
        {...rest}
      >
        {children}
      </button>
      {blocked && reasonId === undefined ? (
        <span id={ownReasonId} className="action-reason">
          {blockedReason}
        </span>
      ) : null}
    </span>
  );
}

/** What an action just did, announced to screen readers; nothing when there is nothing to say. */
export function DoneNotice({ children }: { children: ReactNode }) {
  if (children === null || children === undefined || children === false || children === '')
    return null;
  return (
    <p className="notice notice-good" role="status">
      {children}
    </p>
  );
}

/** The one explanation of why billing actions are disabled, that those buttons point to. */
export function BlockedNotice({ id, reason }: { id: string; reason: string | null }) {
  if (!reason) return null;
  return (
    <p id={id} className="notice notice-warn">
      {reason}
    </p>
  );
}
