-- Documents become a capability of their own (decision 55): what each is about, its versions,
-- its scan, its text, its validation and how long it is kept. The bytes live encrypted in
-- object storage under `storage_key`; `document_contents` stays only as the hand-off for
-- documents written inside a practice transaction (the registry's certificates), which the
-- documents.ingest job moves into storage and then deletes.

-- The agency's own document types, beside the built-in kinds.
CREATE TABLE document_types (
    tenant_id       uuid NOT NULL,
    code            text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code)
);

-- How long the agency keeps each kind (or custom type) after the client relationship ends,
-- where it differs from the built-in rule (FICA: 5 years), with its legal basis.
CREATE TABLE document_retention (
    tenant_id       uuid NOT NULL,
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    years           integer NOT NULL CHECK (years BETWEEN 0 AND 100),
    basis           text NOT NULL CHECK (length(basis) BETWEEN 1 AND 300),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);

-- When the client relationship ended: set the first time a client is archived or deleted,
-- cleared if it is taken back. Retention counts from here.
ALTER TABLE clients ADD COLUMN relationship_ended_at timestamptz;
UPDATE clients SET relationship_ended_at = coalesce(deleted_at, updated_at)
    WHERE status = 'archived' OR deleted_at IS NOT NULL;
CREATE FUNCTION clients_relationship_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'archived' OR NEW.deleted_at IS NOT NULL THEN
        NEW.relationship_ended_at := coalesce(NEW.relationship_ended_at, now());
    ELSE
        NEW.relationship_ended_at := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER clients_relationship_end BEFORE UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION clients_relationship_end();

ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents
    ADD CONSTRAINT documents_kind_check CHECK (kind IN (
        'id_copy', 'passport', 'proof_of_address', 'moi', 'certificate', 'cor_9_4', 'cor_14_3',
        'bank_confirmation', 'tax_clearance', 'other', 'custom')),
    -- scanning: stored, not yet cleared; processing: cleared, text and checks under way;
    -- quarantined: refused by a scan (bytes deleted); purged: retention ended (bytes deleted,
    -- the row de-identified and kept as the record of what was done).
    ADD CONSTRAINT documents_status_check CHECK (status IN (
        'uploaded', 'scanning', 'processing', 'verified', 'needs_review', 'rejected',
        'quarantined', 'purged')),
    ADD COLUMN custom_type      text,
    ADD COLUMN subject          text NOT NULL DEFAULT 'client'
        CHECK (subject IN ('client', 'company', 'person', 'registration')),
    ADD COLUMN company_id       uuid,
    ADD COLUMN person_id        uuid,
    -- Whose document, for one attached to a registration before its people exist as records
    -- (a director's ID copy on an incorporation): that person's ID or passport number.
    ADD COLUMN person_ref       text CHECK (length(person_ref) BETWEEN 1 AND 40),
    -- Versions: every version of one document shares the first version's id.
    ADD COLUMN series_id        uuid,
    ADD COLUMN label            text NOT NULL DEFAULT '' CHECK (length(label) <= 120),
    ADD COLUMN version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN is_current       boolean NOT NULL DEFAULT true,
    ADD COLUMN file_type        text CHECK (file_type IN ('pdf', 'jpeg', 'png', 'tiff', 'heic')),
    ADD COLUMN stored_bytes     bigint CHECK (stored_bytes >= 0),
    ADD COLUMN uploaded_by      uuid,
    ADD COLUMN scan             jsonb,
    ADD COLUMN validation       jsonb,
    ADD COLUMN review           jsonb,
    ADD COLUMN legal_hold       jsonb,
    ADD COLUMN purged_at        timestamptz,
    ADD CONSTRAINT documents_custom_type FOREIGN KEY (tenant_id, custom_type)
        REFERENCES document_types (tenant_id, code),
    ADD CONSTRAINT documents_custom_needs_type CHECK ((kind = 'custom') = (custom_type IS NOT NULL)),
    ADD CONSTRAINT documents_company FOREIGN KEY (tenant_id, company_id)
        REFERENCES companies (tenant_id, id),
    ADD CONSTRAINT documents_person FOREIGN KEY (tenant_id, person_id)
        REFERENCES company_people (tenant_id, id),
    ADD CONSTRAINT documents_subject_named CHECK (CASE subject
        WHEN 'company' THEN company_id IS NOT NULL
        WHEN 'person' THEN person_id IS NOT NULL
        WHEN 'registration' THEN registration_id IS NOT NULL
        ELSE true END);
UPDATE documents SET series_id = id, subject = 'registration', file_type = CASE content_type
        WHEN 'application/pdf' THEN 'pdf' WHEN 'image/jpeg' THEN 'jpeg' WHEN 'image/png' THEN 'png'
        ELSE NULL END
    WHERE series_id IS NULL;
ALTER TABLE documents ALTER COLUMN series_id SET NOT NULL;
ALTER TABLE documents ADD CONSTRAINT documents_version UNIQUE (tenant_id, series_id, version);
CREATE UNIQUE INDEX documents_current ON documents (tenant_id, series_id) WHERE is_current;
-- A series is one (subject, kind, label): uploading again makes its next version.
CREATE UNIQUE INDEX documents_series_key ON documents (tenant_id, subject,
    coalesce(person_id, company_id, registration_id, client_id), kind,
    coalesce(custom_type, ''), label) WHERE is_current;
CREATE INDEX documents_by_sha256 ON documents (tenant_id, client_id, sha256);
CREATE INDEX documents_by_company ON documents (tenant_id, company_id) WHERE company_id IS NOT NULL;
CREATE INDEX documents_by_person ON documents (tenant_id, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX documents_by_status ON documents (tenant_id, status, created_at DESC);

-- The text read from a document (its PDF text layer, or OCR), searchable per agency.
CREATE TABLE document_texts (
    tenant_id       uuid NOT NULL,
    document_id     uuid NOT NULL,
    method          text NOT NULL CHECK (method IN ('text_layer', 'ocr')),
    pages           integer NOT NULL CHECK (pages >= 0),
    ocr_pages       integer NOT NULL CHECK (ocr_pages >= 0),
    confidence      real,
    content         text NOT NULL,
    search_text     tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
    extracted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, document_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX document_texts_search ON document_texts USING gin (search_text);

-- First-page previews (PNG), made once and kept beside the text; encrypted like the
-- document itself, so only the key lives here.
CREATE TABLE document_previews (
    tenant_id       uuid NOT NULL,
    document_id     uuid NOT NULL,
    storage_key     text NOT NULL,
    width           integer NOT NULL CHECK (width > 0),
    height          integer NOT NULL CHECK (height > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, document_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['document_types', 'document_retention', 'document_texts',
                             'document_previews'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON document_types, document_retention, document_texts,
    document_previews TO c360_app;
