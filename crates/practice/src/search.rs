//! Free text to a full-text query (decision 33: names and emails are searched with the
//! `simple` configuration and prefix queries, without extensions).

/// Turns free text into a prefix tsquery of its words (`acme:* & hold:*`); None when no word.
pub(crate) fn prefix_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_queries_keep_only_words() {
        assert_eq!(
            prefix_query("Acme  Hold'; DROP").as_deref(),
            Some("acme:* & hold:* & drop:*")
        );
        assert_eq!(prefix_query(" ' & | ! "), None);
    }
}
