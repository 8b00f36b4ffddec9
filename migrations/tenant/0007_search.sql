-- The portal's search box and dashboards (decision 53): every lookup they make is an index
-- lookup, at 1,000 clients and 5,000 registrations per agency and in the shared pooled tables.

-- A registration is found by the reference the registry gave it (a reservation number, a
-- filing reference), exactly.
CREATE INDEX registrations_by_reference ON registrations (tenant_id, registry_reference)
    WHERE registry_reference IS NOT NULL;

-- ...and by the names it proposes or reserved: any step's `names` and `alternatives` lists
-- and `reserved_name` (the wizards' company-name fields), and the outcome's reserved name.
-- Full-text with the 'simple' configuration, as clients and companies (decision 33), kept in
-- a generated column: computing it per row (four JSON path queries and a tsvector) cost
-- 20 ms over 5,000 registrations whenever the planner filtered an agency's rows rather than
-- reading the GIN index; stored, the filter is cheap whichever plan it takes. Adding it
-- rewrites the table once (still small everywhere when this ships).
ALTER TABLE registrations ADD COLUMN search_names tsvector GENERATED ALWAYS AS (to_tsvector('simple',
    jsonb_path_query_array(payload, '$.*.names[*]')
    || jsonb_path_query_array(payload, '$.*.alternatives[*]')
    || jsonb_path_query_array(payload, '$.*.reserved_name')
    || jsonb_path_query_array(coalesce(outcome, '{}'::jsonb), '$.reserved_name'))) STORED;
CREATE INDEX registrations_names_search ON registrations USING gin (search_names);

-- Clients and companies: the same for their names (and clients' emails), which decision 33
-- indexed as expressions. The lists and the search now read the columns; the expression
-- indexes stay until no running binary reads the expressions (expand, then contract).
ALTER TABLE clients ADD COLUMN search_text tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', display_name || ' ' || coalesce(email, ''))) STORED;
CREATE INDEX clients_search_text ON clients USING gin (search_text);
ALTER TABLE companies ADD COLUMN search_text tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', name)) STORED;
CREATE INDEX companies_search_text ON companies USING gin (search_text);

-- A company is found by its directors' and members' ID numbers: company_people_by_id_number
-- exists. The dashboard reads an agent's companies' history.
CREATE INDEX companies_by_agent ON companies (tenant_id, agent_id) WHERE agent_id IS NOT NULL;

-- A person's registrations include the unassigned ones they started (their `created` entry).
CREATE INDEX registration_timeline_created_by ON registration_timeline (tenant_id, actor_id)
    WHERE action = 'created';

-- The agency's latest activity: the newest timeline entries, and the newest history entries
-- of clients and companies (the audit log also holds every sign-in, which would bury them).
CREATE INDEX registration_timeline_by_time ON registration_timeline (tenant_id, at DESC);
CREATE INDEX audit_log_practice_by_time ON audit_log (tenant_id, at DESC)
    WHERE entity IN ('client', 'company');
