-- Public holidays the President declares for one day (Public Holidays Act s2A: election days,
-- decrees), beyond the Act's fixed and Easter-based days, which are code
-- (comply360_domain::calendar). Platform data, not tenant data: one list for every agency,
-- edited by the platform operator (API and `comply360 holidays`), read into every tenant
-- transaction's business calendar. Seeded with FACTS.md's list since 2014
-- (comply360_domain::calendar::shipped_declared_holidays; a test holds the two equal).

CREATE TABLE declared_holidays (
    day             date PRIMARY KEY,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    added_by        text NOT NULL DEFAULT 'shipped',
    added_at        timestamptz NOT NULL DEFAULT now()
);

INSERT INTO declared_holidays (day, name) VALUES
    ('2014-05-07', 'national and provincial elections'),
    ('2016-08-03', 'local government elections'),
    ('2016-12-27', 'presidential decree'),
    ('2019-05-08', 'national and provincial elections'),
    ('2021-11-01', 'local government elections'),
    ('2022-12-27', 'presidential decree'),
    ('2023-12-15', 'presidential decree'),
    ('2024-05-29', 'national and provincial elections'),
    ('2026-11-04', 'local government elections');

-- Every replica caches the list (comply360_store::tenancy) and drops it on this payload of
-- the catalog channel; older binaries read any payload that is not a tenant id as "forget
-- everything", which is also correct.
CREATE FUNCTION notify_declared_holidays_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('c360_catalog', 'declared_holidays');
    RETURN NULL;
END $$;

CREATE TRIGGER declared_holidays_notify AFTER INSERT OR UPDATE OR DELETE ON declared_holidays
    FOR EACH STATEMENT EXECUTE FUNCTION notify_declared_holidays_change();

-- The operator edits the list through the API, which runs as the app role.
GRANT SELECT, INSERT, DELETE ON declared_holidays TO c360_app;

-- Who may: super_admin holds platform:* already; support staff may read the list.
INSERT INTO role_permissions (role, permission) VALUES
    ('global_support', 'platform:holidays:read');
