//! The incorporation certificate the simulator issues: a one-page PDF that says it is not a
//! registry document.

use super::rules::RegistryRules;
use crate::registry::Certificate;
use crate::registry::pdf;
use chrono::NaiveDate;

pub(super) fn certificate(
    registry: &RegistryRules,
    name: &str,
    registration_number: &str,
    enterprise_number: &str,
    today: NaiveDate,
) -> Certificate {
    let title = match registry.registry {
        "CIPC" => format!(
            "{} Registration Certificate",
            registry.documents.incorporated
        ),
        _ => format!(
            "{} ({})",
            capitalise(registry.documents.incorporated),
            registry.registry
        ),
    };
    let lines = vec![
        title,
        format!("Name: {name}"),
        format!("Registration number: {registration_number}"),
        format!("Enterprise number: {enterprise_number}"),
        format!("Date of registration: {today}"),
        String::new(),
        "Issued by the Comply360 registry simulator. This is not a registry document.".to_owned(),
    ];
    let stem: String = registration_number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let prefix = registry.documents.incorporated.replace(' ', "");
    Certificate {
        file_name: format!("{prefix}-{stem}.pdf"),
        content_type: "application/pdf".to_owned(),
        content: pdf::text_page(&lines),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
