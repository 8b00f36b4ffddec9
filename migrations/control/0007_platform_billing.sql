-- Platform billing (issue 15): the platform invoices each agency monthly at its plan's price;
-- an agency unpaid past the grace period is held: its data stays, reads go on, writes pause
-- until it pays (never deleted, never silently).

ALTER TABLE tenants ADD COLUMN billing_hold_since timestamptz;

-- Numbers without gaps, taken in the issuing transaction (as agencies' invoices are).
CREATE TABLE platform_counters (
    series          text PRIMARY KEY CHECK (series IN ('platform_invoice')),
    last_number     bigint NOT NULL CHECK (last_number >= 0)
);

CREATE TABLE platform_invoices (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    -- The month billed: its first day.
    period          date NOT NULL CHECK (extract(day FROM period) = 1),
    sequence        bigint NOT NULL UNIQUE CHECK (sequence > 0),
    number          text NOT NULL UNIQUE,
    tier            text NOT NULL CHECK (tier IN ('starter', 'professional', 'enterprise')),
    amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
    vat_cents       bigint NOT NULL CHECK (vat_cents >= 0),
    total_cents     bigint NOT NULL CHECK (total_cents = amount_cents + vat_cents),
    currency        char(3) NOT NULL DEFAULT 'ZAR',
    status          text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'paid', 'void')),
    issued_on       date NOT NULL,
    due_on          date NOT NULL CHECK (due_on >= issued_on),
    paid_at         timestamptz,
    -- How it was paid: the provider's reference, or what the operator recorded.
    payment_reference text CHECK (length(payment_reference) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, period),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX platform_invoices_unpaid ON platform_invoices (due_on) WHERE status = 'issued';

GRANT SELECT ON platform_invoices TO c360_app;
