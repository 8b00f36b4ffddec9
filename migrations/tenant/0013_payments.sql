-- Payments (issue 15): the agency's invoices to its clients, numbered without gaps; the
-- checkouts a client starts with a provider; the provider's notifications, stored before they
-- are processed; the payments they (or staff, for EFT and cash) record; and credit notes for
-- refunds. Money in integer cents; the provider credentials live in `settings`
-- (payments.providers, sealed).

-- One counter per agency and series. Numbers are taken by `UPDATE … RETURNING` in the
-- transaction that issues the invoice (or credit note): a rolled-back issue takes no number,
-- and concurrent issues queue on the row, so the sequence has no gaps and no repeats.
CREATE TABLE invoice_counters (
    tenant_id       uuid NOT NULL,
    series          text NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    last_number     bigint NOT NULL DEFAULT 0 CHECK (last_number >= 0),
    PRIMARY KEY (tenant_id, series)
);

CREATE TABLE invoices (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    registration_id uuid NOT NULL,
    client_id       uuid NOT NULL,
    status          text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void')),
    -- Set when issued: the sequence and its printed form (e.g. INV-000042).
    sequence        bigint CHECK (sequence > 0),
    number          text CHECK (length(number) BETWEEN 1 AND 40),
    currency        char(3) NOT NULL CHECK (currency IN ('ZAR', 'USD', 'ZWG')),
    subtotal_cents  bigint NOT NULL DEFAULT 0 CHECK (subtotal_cents >= 0),
    vat_cents       bigint NOT NULL DEFAULT 0 CHECK (vat_cents >= 0),
    total_cents     bigint NOT NULL DEFAULT 0 CHECK (total_cents = subtotal_cents + vat_cents),
    paid_cents      bigint NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    credited_cents  bigint NOT NULL DEFAULT 0 CHECK (credited_cents >= 0),
    -- The agency as it stood when the invoice was issued: VAT number, name, address, terms.
    issuer          jsonb NOT NULL DEFAULT '{}'::jsonb,
    issued_on       date,
    due_on          date CHECK (due_on >= issued_on),
    -- SHA-256 of the client's pay link token; the token itself is only in the link.
    pay_token_hash  bytea,
    void_reason     text CHECK (length(void_reason) <= 500),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sequence),
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, pay_token_hash),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES registrations (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CONSTRAINT invoices_numbered CHECK (
        (status = 'draft') = (sequence IS NULL) AND (sequence IS NULL) = (number IS NULL)
        AND (sequence IS NULL) = (issued_on IS NULL)),
    CONSTRAINT invoices_void_reason CHECK ((status = 'void') = (void_reason IS NOT NULL))
);
-- One live invoice per registration; a void one may be replaced.
CREATE UNIQUE INDEX invoices_one_per_registration
    ON invoices (tenant_id, registration_id) WHERE status <> 'void';
CREATE INDEX invoices_by_status ON invoices (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX invoices_newest ON invoices (tenant_id, created_at DESC, id DESC);
CREATE INDEX invoices_by_client ON invoices (tenant_id, client_id);

CREATE TABLE invoice_lines (
    tenant_id       uuid NOT NULL,
    invoice_id      uuid NOT NULL,
    position        smallint NOT NULL CHECK (position >= 0),
    -- registry_fee: the registry's fee, a disbursement without VAT; service_fee: the agency's
    -- price for the registration type; other: a line staff added.
    kind            text NOT NULL CHECK (kind IN ('registry_fee', 'service_fee', 'other')),
    description     text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 200),
    quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    unit_cents      bigint NOT NULL CHECK (unit_cents >= 0),
    vat_rate_bp     integer NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    amount_cents    bigint NOT NULL CHECK (amount_cents = unit_cents * quantity),
    vat_cents       bigint NOT NULL CHECK (vat_cents >= 0),
    PRIMARY KEY (tenant_id, invoice_id, position),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id) ON DELETE CASCADE
);

-- A checkout a client started with a provider: its id is PayFast's m_payment_id and Stripe's
-- client_reference_id, so a notification names the checkout, and through it the invoice.
CREATE TABLE payment_checkouts (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    invoice_id      uuid NOT NULL,
    provider        text NOT NULL CHECK (provider IN ('payfast', 'stripe')),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    currency        char(3) NOT NULL CHECK (currency IN ('ZAR', 'USD', 'ZWG')),
    -- Stripe's Checkout Session id (cs_…); PayFast has none before the payment.
    provider_session text,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'failed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, provider, provider_session),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX payment_checkouts_by_invoice ON payment_checkouts (tenant_id, invoice_id);

-- Every provider notification (a Stripe webhook event, a PayFast ITN) whose signature held,
-- stored before anything is done with it, once per delivery key (Stripe's event id; PayFast's
-- pf_payment_id and status): a repeated, replayed or concurrent delivery finds the row and
-- changes nothing. The `payments.notification` job then applies it once.
CREATE TABLE payment_notifications (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    provider        text NOT NULL CHECK (provider IN ('payfast', 'stripe')),
    delivery_key    text NOT NULL CHECK (length(delivery_key) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    -- The raw body as received (the signature is over these bytes).
    body            bytea NOT NULL,
    peer            text,
    state           text NOT NULL DEFAULT 'received'
                        CHECK (state IN ('received', 'applied', 'ignored', 'refused')),
    -- What processing concluded, in words (why it was ignored or refused).
    outcome         text CHECK (length(outcome) <= 1000),
    deliveries      integer NOT NULL DEFAULT 1 CHECK (deliveries >= 1),
    received_at     timestamptz NOT NULL DEFAULT now(),
    last_delivery_at timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, provider, delivery_key),
    CONSTRAINT payment_notifications_processed CHECK ((state = 'received') = (processed_at IS NULL))
);
CREATE INDEX payment_notifications_waiting ON payment_notifications (tenant_id, received_at)
    WHERE state = 'received';

CREATE TABLE payments (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    invoice_id      uuid NOT NULL,
    checkout_id     uuid,
    notification_id uuid,
    provider        text NOT NULL CHECK (provider IN ('payfast', 'stripe', 'manual')),
    method          text NOT NULL CHECK (method IN ('card', 'eft', 'cash', 'online')),
    -- PayFast's pf_payment_id, Stripe's payment intent, or the reference staff recorded.
    reference       text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    currency        char(3) NOT NULL CHECK (currency IN ('ZAR', 'USD', 'ZWG')),
    fee_cents       bigint CHECK (fee_cents >= 0),
    refunded_cents  bigint NOT NULL DEFAULT 0 CHECK (refunded_cents BETWEEN 0 AND amount_cents),
    received_on     date NOT NULL,
    recorded_by     uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, checkout_id) REFERENCES payment_checkouts (tenant_id, id),
    FOREIGN KEY (tenant_id, notification_id) REFERENCES payment_notifications (tenant_id, id),
    FOREIGN KEY (tenant_id, recorded_by) REFERENCES users (tenant_id, id)
);
-- A provider's payment is recorded once, whatever reaches us how often.
CREATE UNIQUE INDEX payments_once ON payments (tenant_id, provider, reference)
    WHERE provider <> 'manual';
CREATE INDEX payments_by_invoice ON payments (tenant_id, invoice_id);
CREATE INDEX payments_by_day ON payments (tenant_id, received_on);

-- A credit note, numbered in its own series, for a refund of (part of) a payment. A refund
-- through the provider is pending until its API confirms it.
CREATE TABLE credit_notes (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    invoice_id      uuid NOT NULL,
    payment_id      uuid NOT NULL,
    sequence        bigint NOT NULL CHECK (sequence > 0),
    number          text NOT NULL CHECK (length(number) BETWEEN 1 AND 40),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    vat_cents       bigint NOT NULL CHECK (vat_cents >= 0),
    reason          text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    refund_status   text NOT NULL CHECK (refund_status IN ('pending', 'refunded', 'failed')),
    provider_refund text,
    failure         text CHECK (length(failure) <= 1000),
    issued_on       date NOT NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sequence),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (tenant_id, invoice_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invoice_counters', 'invoices', 'invoice_lines', 'payment_checkouts',
                             'payment_notifications', 'payments', 'credit_notes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO c360_app', t);
    END LOOP;
END
$$;
