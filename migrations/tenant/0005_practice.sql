-- The agency's practice: clients in full, the companies they hold, the people of those
-- companies, filing workflows with their timeline, and the compliance calendar.

-- Clients: people and organisations. Names and emails are searched with full-text (the
-- 'simple' configuration, prefix queries), identifiers by exact btree lookups.
ALTER TABLE clients
    ADD COLUMN first_names      text,
    ADD COLUMN surname          text,
    ADD COLUMN passport_number  text,
    ADD COLUMN passport_country char(2) CHECK (passport_country ~ '^[A-Z]{2}$'),
    ADD COLUMN tax_reference    text,
    ADD COLUMN date_of_birth    date,
    ADD COLUMN address          jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN notes            text NOT NULL DEFAULT '',
    ADD COLUMN external_ref     text;
CREATE INDEX clients_search ON clients
    USING gin (to_tsvector('simple', display_name || ' ' || coalesce(email, '')));
CREATE INDEX clients_by_id_number ON clients (tenant_id, id_number) WHERE id_number IS NOT NULL;
CREATE INDEX clients_by_registration_number ON clients (tenant_id, registration_number)
    WHERE registration_number IS NOT NULL;
CREATE INDEX clients_by_email ON clients (tenant_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX clients_by_created ON clients (tenant_id, created_at DESC, id DESC);

-- A record's history is read from the audit log by entity.
CREATE INDEX audit_log_by_entity ON audit_log (tenant_id, entity, entity_id, at)
    WHERE entity_id IS NOT NULL;

-- Contacts of a client (an organisation's people, a person's alternates).
CREATE TABLE client_contacts (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    client_id       uuid NOT NULL,
    full_name       text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    role            text NOT NULL DEFAULT '',
    email           text,
    phone           text,
    is_primary      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id)
);
CREATE INDEX client_contacts_by_client ON client_contacts (tenant_id, client_id);

-- Legal entities a client owns or is registering.
CREATE TABLE companies (
    tenant_id           uuid NOT NULL,
    id                  uuid NOT NULL,
    client_id           uuid NOT NULL,
    jurisdiction        text NOT NULL CHECK (jurisdiction IN ('ZA', 'ZW')),
    company_type        text NOT NULL CHECK (company_type IN (
                            'private_company', 'public_company', 'non_profit_company',
                            'personal_liability_company', 'state_owned_company',
                            'close_corporation', 'zw_private_limited', 'zw_pbc')),
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    registration_number text,
    status              text NOT NULL DEFAULT 'registered' CHECK (status IN (
                            'proposed', 'registered', 'deregistered')),
    incorporated_on     date,
    financial_year_end  smallint CHECK (financial_year_end BETWEEN 1 AND 12),
    registered_address  jsonb NOT NULL DEFAULT '{}'::jsonb,
    annual_turnover_cents bigint CHECK (annual_turnover_cents >= 0),
    taxable_supplies_cents bigint CHECK (taxable_supplies_cents >= 0),
    vat_number          text,
    tax_reference       text,
    agent_id            uuid,
    deleted_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX companies_by_client ON companies (tenant_id, client_id);
CREATE UNIQUE INDEX companies_registration_number ON companies (tenant_id, registration_number)
    WHERE registration_number IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX companies_search ON companies USING gin (to_tsvector('simple', name));
CREATE INDEX companies_by_created ON companies (tenant_id, created_at DESC, id DESC);

-- Directors, members and shareholders of a company, with their history (appointed/resigned).
CREATE TABLE company_people (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    company_id      uuid NOT NULL,
    full_name       text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    id_number       text,
    passport_number text,
    passport_country char(2) CHECK (passport_country ~ '^[A-Z]{2}$'),
    email           text,
    phone           text,
    roles           text[] NOT NULL CHECK (roles <@ ARRAY['director', 'member', 'shareholder',
                        'incorporator', 'secretary', 'beneficial_owner']::text[]
                        AND cardinality(roles) > 0),
    shares          bigint CHECK (shares >= 0),
    ownership_basis_points integer CHECK (ownership_basis_points BETWEEN 0 AND 10000),
    appointed_on    date,
    resigned_on     date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id),
    CHECK (id_number IS NOT NULL OR passport_number IS NOT NULL)
);
CREATE INDEX company_people_by_company ON company_people (tenant_id, company_id);
CREATE INDEX company_people_by_id_number ON company_people (tenant_id, id_number)
    WHERE id_number IS NOT NULL;

-- Registrations gain the company they concern, the filing path and its outcome, and a
-- version for optimistic concurrency (a stale patch is refused, not silently merged).
ALTER TABLE registrations
    ADD COLUMN company_id     uuid,
    ADD COLUMN filing_path    text NOT NULL DEFAULT 'manual' CHECK (filing_path IN ('manual', 'gateway')),
    ADD COLUMN filing_id      text,
    ADD COLUMN outcome        jsonb,
    ADD COLUMN version        integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT registrations_company FOREIGN KEY (tenant_id, company_id)
        REFERENCES companies (tenant_id, id);
-- The list the agents live in: by status (and type), newest first, keyset-paginated.
CREATE INDEX registrations_by_status ON registrations (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX registrations_by_created ON registrations (tenant_id, created_at DESC, id DESC);
CREATE INDEX registrations_by_due ON registrations (tenant_id, due_on) WHERE due_on IS NOT NULL;

-- Every step of a filing: who, when, what, and a note.
CREATE TABLE registration_timeline (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    registration_id uuid NOT NULL,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id        uuid,
    action          text NOT NULL,
    from_status     text,
    to_status       text,
    note            text NOT NULL DEFAULT '',
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES registrations (tenant_id, id)
);
CREATE INDEX registration_timeline_by_registration
    ON registration_timeline (tenant_id, registration_id, at);

-- Document bytes until the documents capability brings object storage (S3); then this table
-- holds nothing new and is drained.
CREATE TABLE document_contents (
    tenant_id       uuid NOT NULL,
    document_id     uuid NOT NULL,
    content         bytea NOT NULL,
    PRIMARY KEY (tenant_id, document_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);

-- The compliance calendar: what each company owes, when.
CREATE TABLE obligations (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    company_id      uuid NOT NULL,
    client_id       uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('annual_return', 'beneficial_ownership',
                        'vat_registration', 'zw_re_registration')),
    period          text NOT NULL,
    opens_on        date,
    due_on          date NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'waived')),
    agent_id        uuid,
    registration_id uuid,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    reminded_on     date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, company_id, kind, period),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES registrations (tenant_id, id)
);
CREATE INDEX obligations_by_due ON obligations (tenant_id, status, due_on);
CREATE INDEX obligations_by_agent ON obligations (tenant_id, agent_id, due_on);
CREATE INDEX obligations_by_client ON obligations (tenant_id, client_id, due_on);

CREATE TRIGGER client_contacts_touch BEFORE UPDATE ON client_contacts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER companies_touch BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER company_people_touch BEFORE UPDATE ON company_people FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER obligations_touch BEFORE UPDATE ON obligations FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['client_contacts', 'companies', 'company_people',
                             'registration_timeline', 'document_contents', 'obligations'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON client_contacts, companies, company_people, obligations,
    document_contents TO c360_app;
-- The timeline is a record: the application appends and reads, never rewrites.
GRANT SELECT, INSERT ON registration_timeline TO c360_app;
