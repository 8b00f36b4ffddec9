-- The agency's Odoo also mirrors invoices (customer invoices), the payments registered against
-- them and credit notes (issue 15): `odoo_links` names those kinds too. The CHECK is replaced
-- in one statement, so the running version (which writes only the older kinds) keeps working.
ALTER TABLE odoo_links
    DROP CONSTRAINT odoo_links_entity_check,
    ADD CONSTRAINT odoo_links_entity_check CHECK (entity IN (
        'client', 'registration', 'commission', 'agent', 'invoice', 'payment', 'credit_note'));
