//! The stand-in's HTML: the payment page and its error page.

use crate::payfast::amount::format_rands;

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// "Pay R 1 234.00 to <merchant>", a Pay button and a Cancel link.
pub(crate) fn payment_page(
    merchant: &str,
    amount_cents: i64,
    item_name: &str,
    pay_path: &str,
    cancel_url: Option<&str>,
) -> String {
    let heading = format!("Pay {} to {}", format_rands(amount_cents), escape(merchant));
    let cancel = cancel_url
        .map(|u| {
            format!(
                "<p><a href=\"{}\">Cancel and return to {}</a></p>\n",
                escape(u),
                escape(merchant)
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{heading} – PayFast stand-in</title></head>\n<body>\n<main>\n<h1>{heading}</h1>\n<p>For: {item}</p>\n<form method=\"post\" action=\"{action}\">\n<label for=\"card\">Card (the stand-in accepts any)</label>\n<input id=\"card\" name=\"card\" autocomplete=\"off\" value=\"4000 0000 0000 0002\">\n<button type=\"submit\">Pay</button>\n</form>\n{cancel}</main>\n</body>\n</html>\n",
        item = escape(item_name),
        action = escape(pay_path),
    )
}

/// A 4xx page that names the problem.
pub(crate) fn error_page(problem: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Error: the payment cannot start – PayFast stand-in</title></head>\n<body>\n<main>\n<h1>The payment cannot start</h1>\n<p>{}</p>\n</main>\n</body>\n</html>\n",
        escape(problem)
    )
}
