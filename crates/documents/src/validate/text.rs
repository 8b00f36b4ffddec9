//! Reading OCR text: lines with their numbers, names compared the way OCR gets them wrong
//! (case, accents, `0` for `o`, `1` or `|` for `l`, a letter dropped or doubled), company
//! names compared the way people write them ("(Pty) Ltd" or "Proprietary Limited").

/// The text's lines, numbered from 1, with their text trimmed.
pub(super) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()))
}

/// A line as evidence: trimmed and at most 120 characters.
pub(super) fn quote(line: &str) -> String {
    const MAX: usize = 120;
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX {
        line
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A word as compared: lower case, common accents dropped, digits OCR reads for letters
/// turned back into letters (names have no digits).
fn fold_name_word(word: &str) -> String {
    word.chars()
        .filter_map(|c| {
            let c = c.to_lowercase().next().unwrap_or(c);
            Some(match c {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' | '0' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                '1' | '|' | '!' => 'l',
                '5' => 's',
                c if c.is_alphanumeric() => c,
                _ => return None,
            })
        })
        .collect()
}

/// The words of a name or a line, folded ([`fold_name_word`]); hyphens and apostrophes split
/// nothing ("Smith-Jones", "O'Neill" stay one word).
pub(super) fn name_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | ';' | '/' | '(' | ')'))
        .map(fold_name_word)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether two folded words are the same name allowing for OCR slips: one edit for words of
/// 5 to 8 letters, two from 9; short words must be exact (too many short names differ by
/// one letter).
pub(super) fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let len = a.chars().count().min(b.chars().count());
    let allowed = match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    };
    allowed > 0 && edit_distance(a, b) <= allowed
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether `needle` (folded words) occurs as consecutive words of `hay`.
pub(super) fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|w| w.iter().zip(needle).all(|(a, b)| same_word(a, b)))
}

/// Surname particles: "van der Merwe" is one surname.
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "du", "le", "la", "von", "ten", "ter", "da", "dos", "del",
];

/// A full name split into given names and surname (the last word, with any particles
/// before it), folded.
pub(super) fn split_name(full_name: &str) -> (Vec<String>, Vec<String>) {
    let words = name_words(full_name);
    let Some(last) = words.len().checked_sub(1) else {
        return (Vec::new(), Vec::new());
    };
    let mut start = last;
    while start > 1 && PARTICLES.contains(&words[start - 1].as_str()) {
        start -= 1;
    }
    (words[..start].to_vec(), words[start..].to_vec())
}

/// The first line (number, text) on which `found` holds for its folded words.
pub(super) fn find_line(text: &str, found: impl Fn(&[String]) -> bool) -> Option<(usize, &str)> {
    lines(text).find(|(_, line)| found(&name_words(line)))
}

/// A company name as compared: lower case, `&` read as "and", punctuation dropped, and the
/// endings written one way ("Proprietary Limited" → "pty ltd", "Limited" → "ltd",
/// "Incorporated" → "inc").
pub(super) fn company_key(name: &str) -> String {
    let spaced: String = name
        .to_lowercase()
        .replace('&', " and ")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for w in words {
        out.push(match w {
            "proprietary" => "pty",
            "limited" => "ltd",
            "incorporated" => "inc",
            other => other,
        });
    }
    out.join(" ")
}

/// The line(s) on which a company name (as [`company_key`]) appears: one line, or two
/// adjacent ones when the name wraps. (first line number, the text quoted)
pub(super) fn find_company(text: &str, name: &str) -> Option<(usize, String)> {
    let key = company_key(name);
    if key.is_empty() {
        return None;
    }
    let needle = format!(" {key} ");
    let has = |line: &str| format!(" {} ", company_key(line)).contains(&needle);
    let all: Vec<(usize, &str)> = lines(text).collect();
    // A whole line first, so the quote is as short as it can be.
    if let Some((n, line)) = all.iter().find(|(_, line)| has(line)) {
        return Some((*n, quote(line)));
    }
    all.windows(2).find_map(|pair| {
        let joined = format!("{} {}", pair[0].1, pair[1].1);
        has(&joined).then(|| (pair[0].0, quote(&joined)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_and_tolerate_ocr_slips() {
        assert_eq!(name_words("NK0SI, Thandiwe"), vec!["nkosi", "thandiwe"]);
        assert!(same_word("nkosi", "nkosl"));
        assert!(!same_word("dube", "dubi"), "short names must be exact");
        assert!(same_word("vanderbijlpark", "vanderbyjlpark"));
        let (given, surname) = split_name("Pieter Johannes van der Merwe");
        assert_eq!(given, vec!["pieter", "johannes"]);
        assert_eq!(surname, vec!["van", "der", "merwe"]);
    }

    #[test]
    fn company_names_match_whatever_the_ending() {
        assert_eq!(
            company_key("Acme Trading (Pty) Ltd"),
            company_key("ACME TRADING PROPRIETARY LIMITED")
        );
        assert_eq!(company_key("Smith & Sons Ltd."), "smith and sons ltd");
        let text = "Name reserved:\nACME TRADING\nPROPRIETARY LIMITED\n";
        assert_eq!(
            find_company(text, "Acme Trading (Pty) Ltd"),
            Some((2, "ACME TRADING PROPRIETARY LIMITED".into()))
        );
        assert_eq!(
            find_company("ACME TRADINGS (Pty) Ltd", "Acme Trading (Pty) Ltd"),
            None
        );
    }
}
