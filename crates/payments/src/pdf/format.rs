//! How amounts, dates, rates and payment methods read on a printed document.

use chrono::NaiveDate;

/// `cents` in `currency` as printed: `R 1 234.56`, `US$ 1 234.56`, `ZWG 1 234.56`, with a
/// space between thousands (the South African convention, and unambiguous to a reader used
/// to either a comma or a point) and a leading minus for a credit: `-R 150.00`. An unknown
/// currency prints its code.
pub(super) fn money(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "ZAR" => "R",
        "USD" => "US$",
        other => other,
    };
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs();
    let whole = (magnitude / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{sign}{symbol} {grouped}.{:02}", magnitude % 100)
}

/// A date as people write it: `14 May 2026`.
pub(super) fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// A VAT rate in basis points as a percentage: `15%`, `12.5%`.
pub(super) fn rate(basis_points: i32) -> String {
    let whole = basis_points / 100;
    let fraction = (basis_points % 100).abs();
    if fraction == 0 {
        format!("{whole}%")
    } else {
        let decimals = format!("{fraction:02}");
        format!("{whole}.{}%", decimals.trim_end_matches('0'))
    }
}

/// How a payment was made, in words: `Card via PayFast`, `EFT`, `Cash`.
pub(super) fn method(method: &str, provider: &str) -> String {
    let how = match method {
        "card" => "Card",
        "eft" => "EFT",
        "cash" => "Cash",
        "online" => "Online",
        other => other,
    };
    match provider {
        "payfast" => format!("{how} via PayFast"),
        "stripe" => format!("{how} via Stripe"),
        _ => how.to_owned(),
    }
}

/// A credit note's refund as the client should read it.
pub(super) fn refund_status(status: &str) -> &str {
    match status {
        "pending" => "Refund pending",
        "refunded" => "Refunded",
        "failed" => "Refund failed",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_with_spaces() {
        assert_eq!(money(123_456, "ZAR"), "R 1 234.56");
        assert_eq!(money(123_456, "USD"), "US$ 1 234.56");
        assert_eq!(money(123_456, "ZWG"), "ZWG 1 234.56");
        assert_eq!(money(5, "ZAR"), "R 0.05");
        assert_eq!(money(0, "ZAR"), "R 0.00");
        assert_eq!(money(100_000_000, "ZAR"), "R 1 000 000.00");
        assert_eq!(money(-15_000, "ZAR"), "-R 150.00");
        assert_eq!(money(-123_456_789, "USD"), "-US$ 1 234 567.89");
        assert_eq!(money(i64::MIN, "ZAR"), "-R 92 233 720 368 547 758.08");
        assert_eq!(money(99_900, "EUR"), "EUR 999.00");
    }

    #[test]
    fn dates_rates_and_methods() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap_or_default();
        assert_eq!(date(day), "4 May 2026");
        assert_eq!(rate(1500), "15%");
        assert_eq!(rate(1250), "12.5%");
        assert_eq!(rate(1525), "15.25%");
        assert_eq!(rate(0), "0%");
        assert_eq!(method("card", "payfast"), "Card via PayFast");
        assert_eq!(method("online", "stripe"), "Online via Stripe");
        assert_eq!(method("eft", "manual"), "EFT");
        assert_eq!(method("cash", "manual"), "Cash");
    }
}
