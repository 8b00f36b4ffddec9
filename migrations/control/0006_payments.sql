-- Payments (issue 15): who may do what with invoices and payments. Administrators hold `*`.
-- Agents draft and issue their clients' invoices and send the pay link; recording money by
-- hand, refunds, voids and the provider settings stay with administrators
-- (`payments:manage`). Assistants read.
INSERT INTO role_permissions (role, permission) VALUES
    ('agent', 'invoices:read'), ('agent', 'invoices:write'),
    ('agent_assistant', 'invoices:read');
