//! Amounts as PayFast writes them (`100.00`, `-2.30`), to and from integer cents, exactly.

use super::error::PayFastError;

/// `12345` → `"123.45"`; `-230` → `"-2.30"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `"100.00"`, `"100.5"`, `"100"`, `"-2.30"` → cents. Anything else (a comma, three decimals,
/// an exponent, spaces inside) is refused rather than rounded.
pub fn parse_cents(field: &str, text: &str) -> Result<i64, PayFastError> {
    let malformed = |reason: &str| PayFastError::Malformed {
        field: field.to_owned(),
        reason: format!("{reason}: {text:?}"),
    };
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("not an amount"));
    }
    if fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("not an amount with at most two decimals"));
    }
    if digits.ends_with('.') {
        return Err(malformed("not an amount"));
    }
    let rands: i64 = whole.parse().map_err(|_| malformed("too large"))?;
    let mut cents: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| malformed("not an amount"))?
    };
    if fraction.len() == 1 {
        cents *= 10;
    }
    let total = rands
        .checked_mul(100)
        .and_then(|r| r.checked_add(cents))
        .ok_or_else(|| malformed("too large"))?;
    Ok(if negative { -total } else { total })
}

/// `123400` → `"R 1 234.00"`, as the payment page shows it.
pub fn format_rands(cents: i64) -> String {
    let plain = format_cents(cents);
    let (sign, plain) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest.to_owned()),
        None => ("", plain),
    };
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}R {grouped}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refusals() {
        for (cents, text) in [(10000, "100.00"), (-230, "-2.30"), (5, "0.05"), (0, "0.00")] {
            assert_eq!(format_cents(cents), text);
            assert_eq!(parse_cents("amount", text), Ok(cents));
        }
        assert_eq!(parse_cents("amount", "100.5"), Ok(10050));
        assert_eq!(parse_cents("amount", "100"), Ok(10000));
        for bad in ["1,00", "1.001", "1e2", "", "-", "1.", ".5", "1 0.00", "abc"] {
            assert!(parse_cents("amount", bad).is_err(), "{bad}");
        }
        assert_eq!(format_rands(123_400), "R 1 234.00");
        assert_eq!(format_rands(99), "R 0.99");
        assert_eq!(format_rands(123_456_789), "R 1 234 567.89");
    }
}
