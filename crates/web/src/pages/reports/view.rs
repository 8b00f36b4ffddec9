//! Each report as the page shows it: its chart (SVG from [`crate::charts`]) and the rows of
//! the table beside it, with months, types, statuses and amounts in words.

use super::money::{amount, chart_format};
use crate::charts::bars::{Bars, Layout, bars};
use crate::charts::monthly::{Monthly, monthly};
use crate::charts::{Colour, Series, Words, num};
use crate::pages::registrations::type_title;
use chrono::NaiveDate;
use comply360_domain::workflow::Status;
use comply360_money::reports::{
    AgentCommissions, CommissionsReport, FeesReport, Period, RegistrationsReport, TurnaroundReport,
};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::json;
use std::collections::BTreeMap;

/// `2026-03` → the first of March 2026.
fn month_day(key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()
}

/// `2026-03` → `Mar 2026`.
fn month_words(key: &str) -> String {
    month_day(key).map_or_else(|| key.to_owned(), |d| d.format("%b %Y").to_string())
}

/// "1 May 2025 to 20 May 2026"
pub fn period_words(period: &Period) -> String {
    format!(
        "{} to {}",
        period.from.format("%-d %B %Y"),
        period.to.format("%-d %B %Y")
    )
}

fn days(v: f64) -> String {
    format!("{v:.1} days")
}

fn svg(text: String) -> Value {
    Value::from_safe_string(text)
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where a registration stands, in five groups a chart can tell apart.
const GROUPS: [(&str, Colour, &[Status]); 5] = [
    (
        "Draft or ready",
        Colour::Grey,
        &[Status::Draft, Status::Ready],
    ),
    (
        "With the registry",
        Colour::Blue,
        &[Status::Submitted, Status::InfoRequested],
    ),
    (
        "Approved or completed",
        Colour::Green,
        &[Status::Approved, Status::Completed],
    ),
    ("Rejected", Colour::Red, &[Status::Rejected]),
    ("Cancelled", Colour::Amber, &[Status::Cancelled]),
];

fn group_of(status: Status) -> usize {
    GROUPS
        .iter()
        .position(|(_, _, members)| members.contains(&status))
        .unwrap_or(0)
}

/// Counts per group for each key (a month or a type).
fn tally<'a>(
    rows: impl Iterator<Item = (&'a str, Status, i64)>,
) -> BTreeMap<&'a str, [i64; GROUPS.len()]> {
    let mut out: BTreeMap<&str, [i64; GROUPS.len()]> = BTreeMap::new();
    for (key, status, n) in rows {
        out.entry(key).or_default()[group_of(status)] += n;
    }
    out
}

type Tally<'a> = BTreeMap<&'a str, [i64; GROUPS.len()]>;

/// A table row: its label, the count per group and their total.
fn group_row(label: String, counts: Option<&[i64; GROUPS.len()]>) -> serde_json::Value {
    let c = counts.copied().unwrap_or_default();
    json!({"label": label, "values": c, "total": c.iter().sum::<i64>()})
}

/// Registrations per month: columns stacked by group, the counts by month and by type.
pub fn registrations(r: &RegistrationsReport) -> Value {
    if r.total == 0 {
        return context! { empty => true };
    }
    let per_month = tally(r.rows.iter().map(|x| (x.month.as_str(), x.status, x.count)));
    let per_type = tally(r.rows.iter().map(|x| (x.kind.as_str(), x.status, x.count)));
    let months: Vec<_> = r
        .months
        .iter()
        .map(|m| group_row(month_words(m), per_month.get(m.as_str())))
        .collect();
    let mut types: Vec<_> = per_type
        .iter()
        .map(|(k, c)| group_row(type_title(k), Some(c)))
        .collect();
    types.sort_by_key(|t| -t["total"].as_i64().unwrap_or(0));
    let mut totals = [0i64; GROUPS.len()];
    for c in per_month.values() {
        for (t, n) in totals.iter_mut().zip(c) {
            *t += n;
        }
    }
    context! {
        empty => false,
        chart => svg(registrations_chart(r, &per_month)),
        groups => GROUPS.map(|(n, _, _)| n),
        months => Value::from(Serde(&months)),
        types => Value::from(Serde(&types)),
        totals,
        total => r.total,
    }
}

fn registrations_chart(r: &RegistrationsReport, per_month: &Tally<'_>) -> String {
    let months: Vec<NaiveDate> = r.months.iter().filter_map(|m| month_day(m)).collect();
    let series: Vec<Series> = GROUPS.iter().map(|(n, c, _)| Series::new(*n, *c)).collect();
    let values: Vec<Vec<f64>> = (0..GROUPS.len())
        .map(|g| {
            r.months
                .iter()
                .map(|m| per_month.get(m.as_str()).map_or(0.0, |c| c[g] as f64))
                .collect()
        })
        .collect();
    let (busiest, most) = per_month
        .iter()
        .map(|(m, c)| (*m, c.iter().sum::<i64>()))
        .max_by_key(|(_, n)| *n)
        .unwrap_or(("", 0));
    let description = format!(
        "Registrations started each month from {} to {}, stacked by where they stand now: {} in all; the most, {most}, in {}.",
        month_words(r.months.first().map_or("", String::as_str)),
        month_words(r.months.last().map_or("", String::as_str)),
        r.total,
        month_words(busiest),
    );
    monthly(&Monthly {
        words: Words {
            title: "Registrations per month",
            description: &description,
            empty: "No registrations in this period yet",
            format: num,
        },
        months: &months,
        series: &series,
        values: &values,
        whole: true,
    })
}

/// Turnaround: median and 90th percentile side by side per type, and the table with the
/// count approved and every type together.
pub fn turnaround(r: &TurnaroundReport) -> Value {
    let Some(all) = &r.overall else {
        return context! { empty => true };
    };
    let titles: Vec<String> = r.rows.iter().map(|x| type_title(x.kind.as_str())).collect();
    let series = [
        Series::new("Median", Colour::Blue),
        Series::new("90th percentile", Colour::Violet),
    ];
    let values = [
        r.rows.iter().map(|x| x.median_days).collect(),
        r.rows.iter().map(|x| x.p90_days).collect(),
    ];
    let description = format!(
        "Days from submission to approval for {} approved in the period, per registration type: half took {:.1} days or less, nine in ten {:.1} days or less.",
        plural(all.approved, "registration", "registrations"),
        all.median_days,
        all.p90_days
    );
    let chart = bars(&Bars {
        words: Words {
            title: "Days from submission to approval",
            description: &description,
            empty: "Nothing was approved in this period yet",
            format: days,
        },
        categories: &titles,
        series: &series,
        values: &values,
        layout: Layout::Grouped,
    });
    let rows: Vec<_> = r
        .rows
        .iter()
        .zip(&titles)
        .map(|(x, title)| json!({"label": title, "approved": x.approved, "median": format!("{:.1}", x.median_days), "p90": format!("{:.1}", x.p90_days)}))
        .collect();
    context! {
        empty => false,
        chart => svg(chart),
        rows => Value::from(Serde(&rows)),
        all => Value::from(Serde(json!({"approved": all.approved, "median": format!("{:.1}", all.median_days), "p90": format!("{:.1}", all.p90_days)}))),
    }
}

/// Commission statuses, in the order of their workflow.
const COMMISSION_STATUSES: [(&str, Colour); 4] = [
    ("Pending", Colour::Amber),
    ("Approved", Colour::Blue),
    ("Paid", Colour::Green),
    ("Rejected", Colour::Red),
];

fn by_status(a: &AgentCommissions) -> [i64; 4] {
    [
        a.pending_cents,
        a.approved_cents,
        a.paid_cents,
        a.rejected_cents,
    ]
}

fn agent_label(a: &AgentCommissions) -> String {
    if a.agent_name.trim().is_empty() {
        a.agent_email.clone()
    } else {
        a.agent_name.clone()
    }
}

/// Commissions: per currency, a bar per agent stacked by status, and the table of the same.
pub fn commissions(r: &CommissionsReport) -> Value {
    if r.agents.is_empty() {
        return context! { empty => true };
    }
    let mut currencies: Vec<&str> = r.agents.iter().map(|a| a.currency.as_str()).collect();
    currencies.sort_unstable();
    currencies.dedup();
    let sections: Vec<Value> = currencies.iter().map(|c| commissions_in(r, c)).collect();
    context! { empty => false, currencies => sections }
}

fn commissions_in(r: &CommissionsReport, currency: &str) -> Value {
    let agents: Vec<&AgentCommissions> =
        r.agents.iter().filter(|a| a.currency == currency).collect();
    let labels: Vec<String> = agents.iter().map(|a| agent_label(a)).collect();
    let series: Vec<Series> = COMMISSION_STATUSES
        .iter()
        .map(|(n, c)| Series::new(*n, *c))
        .collect();
    let values: Vec<Vec<f64>> = (0..COMMISSION_STATUSES.len())
        .map(|s| agents.iter().map(|a| by_status(a)[s] as f64).collect())
        .collect();
    let mut totals = [0i64; COMMISSION_STATUSES.len()];
    for a in &agents {
        for (t, v) in totals.iter_mut().zip(by_status(a)) {
            *t += v;
        }
    }
    let total: i64 = totals.iter().sum();
    let title = format!("Commissions in {currency} by agent");
    let description = format!(
        "Commissions earned in the period by {}, in {currency}, each bar split into pending, approved, paid and rejected: {} in all.",
        plural(agents.len() as i64, "agent", "agents"),
        amount(total, currency)
    );
    let chart = bars(&Bars {
        words: Words {
            title: &title,
            description: &description,
            empty: "No commissions were earned in this period yet",
            format: chart_format(currency),
        },
        categories: &labels,
        series: &series,
        values: &values,
        layout: Layout::Stacked,
    });
    let rows: Vec<_> = agents
        .iter()
        .zip(&labels)
        .map(|(a, label)| {
            let s = by_status(a);
            json!({
                "label": label, "email": a.agent_email, "commissions": a.commissions,
                "values": s.map(|v| json!({"text": amount(v, currency), "zero": v == 0})),
                "total": amount(s.iter().sum(), currency),
            })
        })
        .collect();
    context! {
        currency, title, chart => svg(chart),
        statuses => COMMISSION_STATUSES.map(|(n, _)| n),
        rows => Value::from(Serde(&rows)),
        count => agents.iter().map(|a| a.commissions).sum::<i64>(),
        totals => totals.map(|v| amount(v, currency)),
        total => amount(total, currency),
    }
}

/// Fees: per currency, a column per month; the table per month with every currency's
/// amount and the registrations without a price.
pub fn fees(r: &FeesReport) -> Value {
    if r.rows.is_empty() {
        return context! { empty => true };
    }
    let charts: Vec<Value> = r
        .totals
        .iter()
        .map(|t| svg(fees_chart(r, &t.currency, t.fees_cents, t.registrations)))
        .collect();
    let months: Vec<_> = r.months.iter().map(|m| fee_month(r, m)).collect();
    let approved: i64 = r.totals.iter().map(|t| t.registrations).sum::<i64>() + r.unpriced;
    context! {
        empty => false,
        charts,
        months => Value::from(Serde(&months)),
        approved,
        unpriced => r.unpriced,
        total => money_list(r.totals.iter().map(|t| (t.currency.as_str(), t.fees_cents))),
    }
}

/// One month's line: registrations approved, fees per currency, those without a price.
fn fee_month(r: &FeesReport, month: &str) -> serde_json::Value {
    let (mut approved, mut unpriced) = (0, 0);
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for x in r.rows.iter().filter(|x| x.month == month) {
        approved += x.registrations;
        match &x.currency {
            Some(c) => *sums.entry(c.as_str()).or_default() += x.fees_cents,
            None => unpriced += x.registrations,
        }
    }
    json!({
        "label": month_words(month), "approved": approved, "unpriced": unpriced,
        "priced": !sums.is_empty(),
        "fees": money_list(sums.iter().map(|(c, v)| (*c, *v))),
    })
}

/// `R1,000.00 + US$50.00`, or `—` for none.
fn money_list<'a>(sums: impl Iterator<Item = (&'a str, i64)>) -> String {
    let parts: Vec<String> = sums.map(|(c, v)| amount(v, c)).collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" + ")
    }
}

fn fees_chart(r: &FeesReport, currency: &str, total: i64, priced: i64) -> String {
    let months: Vec<NaiveDate> = r.months.iter().filter_map(|m| month_day(m)).collect();
    let values = [r
        .months
        .iter()
        .map(|m| {
            r.rows
                .iter()
                .filter(|x| &x.month == m && x.currency.as_deref() == Some(currency))
                .map(|x| x.fees_cents as f64)
                .sum()
        })
        .collect::<Vec<f64>>()];
    let title = format!("Fees earned per month in {currency}");
    let description = format!(
        "Fees earned each month in {currency} at the agency's prices: {} for {}.",
        amount(total, currency),
        plural(priced, "priced registration", "priced registrations"),
    );
    monthly(&Monthly {
        words: Words {
            title: &title,
            description: &description,
            empty: "Nothing was approved in this period yet",
            format: chart_format(currency),
        },
        months: &months,
        series: &[Series::new("Fees", Colour::Teal)],
        values: &values,
        whole: false,
    })
}
