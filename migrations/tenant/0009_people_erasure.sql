-- A data subject's erasure reaches a company's people rows (POPIA s24, s14): once the FICA
-- retention of the company's client is over, the row is de-identified (name, numbers and
-- contact details removed; roles, shares and dates kept), and `erased_at` says when. Such a
-- row holds no ID or passport number, which the row's check allowed only for none.
ALTER TABLE company_people ADD COLUMN erased_at timestamptz;
ALTER TABLE company_people DROP CONSTRAINT company_people_check;
ALTER TABLE company_people ADD CONSTRAINT company_people_identified CHECK (
    erased_at IS NOT NULL OR id_number IS NOT NULL OR passport_number IS NOT NULL
);
