//! Amounts as people read them: `R1,250.00`, `US$50.00`, `ZWG 300.00`; in charts without
//! cents when whole (`R1,250`).

/// Thousands separated by commas: `1234567` → `1,234,567`.
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn symbol(currency: &str) -> String {
    match currency {
        "ZAR" => "R".to_owned(),
        "USD" => "US$".to_owned(),
        other => format!("{other} "),
    }
}

/// `cents` of `currency`, exactly.
pub fn amount(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!(
        "{sign}{}{}.{:02}",
        symbol(currency),
        grouped(abs / 100),
        abs % 100
    )
}

/// Whole units when the amount is (`R6,000`, the axis), else with its cents (`R382.50`).
fn short(cents: f64, symbol: &str) -> String {
    let cents = cents.round().max(0.0) as u64;
    if cents.is_multiple_of(100) {
        format!("{symbol}{}", grouped(cents / 100))
    } else {
        format!("{symbol}{}.{:02}", grouped(cents / 100), cents % 100)
    }
}

/// How a chart writes amounts of `currency` (a plain function: charts take no closures).
pub fn chart_format(currency: &str) -> fn(f64) -> String {
    match currency {
        "ZAR" => |c| short(c, "R"),
        "USD" => |c| short(c, "US$"),
        _ => |c| short(c, "ZWG "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_like_money() {
        assert_eq!(amount(125_050, "ZAR"), "R1,250.50");
        assert_eq!(amount(5_000, "USD"), "US$50.00");
        assert_eq!(amount(123_456_789, "ZWG"), "ZWG 1,234,567.89");
        assert_eq!(amount(0, "ZAR"), "R0.00");
        assert_eq!(chart_format("ZAR")(92_000_000.0), "R920,000");
        assert_eq!(chart_format("ZAR")(38_250.0), "R382.50");
        assert_eq!(chart_format("USD")(5_000.0), "US$50");
    }
}
