-- The money side of the practice (issue 14): the agency's price per registration type, its
-- commission rules, and commissions with their approval and payment.

-- What the agency charges for a registration type, from a date: the fee a percentage
-- commission is a share of. A price is never edited once in force; a new one from a later
-- date replaces it (so what an old registration earned can always be recomputed).
CREATE TABLE registration_prices (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
    currency        char(3) NOT NULL CHECK (currency IN ('ZAR', 'USD', 'ZWG')),
    effective_from  date NOT NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, effective_from),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

-- A commission rule: a percentage of the fee (basis points) or a fixed amount, for one
-- registration type or all, for one agent (an override) or all, between two dates
-- (effective_to inclusive, open when null). Rules of one (kind, agent) never overlap; the
-- repository checks that under a lock, since an exclusion constraint would need btree_gist.
CREATE TABLE commission_rules (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    kind            text CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    agent_id        uuid,
    basis           text NOT NULL CHECK (basis IN ('percentage', 'fixed')),
    rate_bp         integer CHECK (rate_bp BETWEEN 0 AND 10000),
    amount_cents    bigint CHECK (amount_cents >= 0),
    currency        char(3) CHECK (currency IN ('ZAR', 'USD', 'ZWG')),
    rounding        text NOT NULL DEFAULT 'half_even'
                        CHECK (rounding IN ('half_even', 'half_up', 'down', 'up')),
    effective_from  date NOT NULL,
    effective_to    date CHECK (effective_to >= effective_from),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 300),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT commission_rules_formula CHECK (
        (basis = 'percentage' AND rate_bp IS NOT NULL AND amount_cents IS NULL)
        OR (basis = 'fixed' AND amount_cents IS NOT NULL AND currency IS NOT NULL
            AND rate_bp IS NULL)),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX commission_rules_by_scope ON commission_rules (tenant_id, kind, agent_id, effective_from);

-- Commissions (the table is 0001's): the rule and the inputs that produced each, the day it
-- was earned, and its workflow pending -> approved -> paid, or rejected with a reason.
ALTER TABLE commissions DROP CONSTRAINT commissions_status_check;
UPDATE commissions SET status = 'rejected' WHERE status = 'cancelled';
ALTER TABLE commissions
    ADD CONSTRAINT commissions_status_check
        CHECK (status IN ('pending', 'approved', 'paid', 'rejected')),
    ADD COLUMN rule_id          uuid,
    -- The registration's fee the rule was applied to, the rule as it stood, and how the
    -- amount came about (Calculation in the domain).
    ADD COLUMN fee_cents        bigint CHECK (fee_cents >= 0),
    ADD COLUMN calculation      jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN earned_on        date NOT NULL DEFAULT CURRENT_DATE,
    ADD COLUMN rejected_by      uuid,
    ADD COLUMN rejected_at      timestamptz,
    ADD COLUMN reason           text CHECK (length(reason) BETWEEN 1 AND 500),
    ADD COLUMN paid_by          uuid,
    ADD COLUMN paid_on          date,
    ADD COLUMN payment_reference text CHECK (length(payment_reference) BETWEEN 1 AND 120),
    ADD COLUMN version          integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT commissions_rule FOREIGN KEY (tenant_id, rule_id)
        REFERENCES commission_rules (tenant_id, id),
    ADD CONSTRAINT commissions_rejected_by FOREIGN KEY (tenant_id, rejected_by)
        REFERENCES users (tenant_id, id),
    ADD CONSTRAINT commissions_paid_by FOREIGN KEY (tenant_id, paid_by)
        REFERENCES users (tenant_id, id),
    ADD CONSTRAINT commissions_states CHECK (
        (status <> 'rejected' OR (reason IS NOT NULL AND rejected_at IS NOT NULL))
        AND (status <> 'paid' OR (paid_on IS NOT NULL AND payment_reference IS NOT NULL
                                  AND approved_at IS NOT NULL)));
CREATE INDEX commissions_by_period ON commissions (tenant_id, earned_on, agent_id);
CREATE INDEX commissions_by_status_period ON commissions (tenant_id, status, earned_on DESC, id DESC);
-- What a rule produced (the rules page's counts; a used rule cannot be deleted).
CREATE INDEX commissions_by_rule ON commissions (tenant_id, rule_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['registration_prices', 'commission_rules'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON registration_prices, commission_rules TO c360_app;
