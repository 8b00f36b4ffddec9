-- A registration's four closed lists (jurisdiction, kind, status, filing path) are checked by
-- one BEFORE trigger instead of four CHECK constraints (ARCHITECTURE.md decision 80). The rule
-- a row must keep is the same, and so is the error: SQLSTATE 23514 (check_violation) naming
-- the same constraint as before.
--
-- PostgreSQL reads a table's CHECK constraints back from their catalogue text and plans them
-- again in every statement that writes the table, and a list of strings is the costliest kind
-- to read back (each string is stored as its bytes in decimal). A PL/pgSQL function is compiled
-- once per connection and its conditions are planned once, so the trigger costs a call per
-- written row. Opening a registration, the API's busiest write, costs PostgreSQL about a tenth
-- fewer instructions (bench/create-work.sh; bench/README.md, "A create's work in PostgreSQL").
-- Domains would have cost less still, but a domain is a type of its namespace: the same
-- statement run in two schema agencies on one connection would return two different column
-- types, which a cached plan refuses ("cached plan must not change result type").
--
-- Updates fire it only when they set one of the four columns. A NULL passes here and is refused
-- by the column's NOT NULL, as before.
CREATE FUNCTION registrations_check_lists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.jurisdiction NOT IN ('ZA', 'ZW') THEN
        RAISE EXCEPTION 'registration jurisdiction "%" is not ZA or ZW', NEW.jurisdiction
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registrations_jurisdiction_check',
                  TABLE = TG_TABLE_NAME, COLUMN = 'jurisdiction';
    END IF;
    IF NEW.kind NOT IN ('za_name_reservation', 'za_private_company', 'za_non_profit_company',
                        'za_vat_registration', 'za_beneficial_ownership', 'za_annual_return',
                        'zw_private_limited', 'zw_pbc', 'zw_re_registration') THEN
        RAISE EXCEPTION 'registration kind "%" is not one of the registration kinds', NEW.kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registrations_kind_check',
                  TABLE = TG_TABLE_NAME, COLUMN = 'kind';
    END IF;
    IF NEW.status NOT IN ('draft', 'ready', 'submitted', 'info_requested', 'approved', 'rejected',
                          'completed', 'cancelled') THEN
        RAISE EXCEPTION 'registration status "%" is not one of the workflow''s statuses', NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registrations_status_check',
                  TABLE = TG_TABLE_NAME, COLUMN = 'status';
    END IF;
    IF NEW.filing_path NOT IN ('manual', 'gateway') THEN
        RAISE EXCEPTION 'registration filing path "%" is not manual or gateway', NEW.filing_path
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registrations_filing_path_check',
                  TABLE = TG_TABLE_NAME, COLUMN = 'filing_path';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER registrations_check_lists
    BEFORE INSERT OR UPDATE OF jurisdiction, kind, status, filing_path ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_check_lists();

ALTER TABLE registrations
    DROP CONSTRAINT registrations_jurisdiction_check,
    DROP CONSTRAINT registrations_kind_check,
    DROP CONSTRAINT registrations_status_check,
    DROP CONSTRAINT registrations_filing_path_check;
