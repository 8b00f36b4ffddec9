//! English labels for codes that appear in messages. They are template filters, so a second
//! language brings its own table here and its own filter names in its templates.

/// `za_private_company` → "private company registration (CIPC)". An unknown kind (one added
/// to the schema after this table) shows as its code rather than failing the message.
pub fn registration_kind(kind: &str) -> String {
    match kind {
        "za_name_reservation" => "company name reservation (CIPC)",
        "za_private_company" => "private company registration (CIPC)",
        "za_non_profit_company" => "non-profit company registration (CIPC)",
        "za_vat_registration" => "VAT registration (SARS)",
        "za_beneficial_ownership" => "beneficial ownership filing (CIPC)",
        "za_annual_return" => "annual return (CIPC)",
        "zw_private_limited" => "private limited company registration (DCIP)",
        "zw_pbc" => "private business corporation registration (DCIP)",
        "zw_re_registration" => "company re-registration (CIPZ)",
        "za_close_corporation" => "close corporation registration (CIPC)",
        other => other,
    }
    .to_owned()
}

/// An obligation of the compliance calendar, as a person reads it.
pub fn obligation_kind(kind: &str) -> String {
    match kind {
        "annual_return" => "annual return (CIPC)",
        "beneficial_ownership" => "beneficial ownership filing (CIPC)",
        "vat_registration" => "VAT registration (SARS)",
        "zw_re_registration" => "re-registration on the CIPZ electronic registry",
        other => other,
    }
    .to_owned()
}

/// A role key as a person reads it, with its article ("an agent").
pub fn role(key: &str) -> String {
    match key {
        "tenant_admin" => "an agency administrator",
        "agent" => "an agent",
        "agent_assistant" => "an agent assistant",
        other => other,
    }
    .to_owned()
}
