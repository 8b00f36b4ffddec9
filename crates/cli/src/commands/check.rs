//! `comply360 check sa-id|tax-ref|vat|company-reg|company-name VALUE…`: verdicts on identifiers, with the
//! reason and what the value says (date of birth, gender, citizenship; registration year and
//! type). `-` reads one value per line from standard input. No database is needed.

use crate::cli::{CheckArgs, CheckKind};
use chrono::NaiveDate;
use comply360_domain::identifiers::{
    CompanyName, IncomeTaxReference, RegistrationNumber, SaIdNumber, VatNumber,
};
use serde_json::{Map, Value, json};
use std::io::BufRead;
use std::process::ExitCode;

/// One value's verdict.
struct Verdict {
    input: String,
    valid: bool,
    reason: Option<String>,
    warnings: Vec<String>,
    fields: Map<String, Value>,
}

fn verdict(kind: CheckKind, input: &str, today: NaiveDate) -> Verdict {
    let mut v = Verdict {
        input: input.to_owned(),
        valid: true,
        reason: None,
        warnings: Vec::new(),
        fields: Map::new(),
    };
    let mut field = |k: &str, val: Value| {
        v.fields.insert(k.to_owned(), val);
    };
    let outcome: Result<Vec<String>, String> = match kind {
        CheckKind::SaId => SaIdNumber::parse(input, today)
            .map(|id| {
                field("date_of_birth", json!(id.date_of_birth().to_string()));
                field("gender", json!(id.gender().as_str()));
                field("citizenship", json!(id.citizenship().as_str()));
                id.warnings()
            })
            .map_err(|e| e.to_string()),
        CheckKind::TaxRef => IncomeTaxReference::parse(input)
            .map(|_| Vec::new())
            .map_err(|e| e.to_string()),
        CheckKind::Vat => VatNumber::parse(input)
            .map(|n| n.warnings())
            .map_err(|e| e.to_string()),
        CheckKind::CompanyName => CompanyName::parse_sa_any(input)
            .map(|(name, kind)| {
                field("company_type", json!(kind.as_str()));
                field("distinctive_part", json!(name.base()));
                if name.is_ring_fenced() {
                    field("ring_fenced", json!(true));
                }
                if name.is_number_name() {
                    field("number_name", json!(true));
                }
                Vec::new()
            })
            .map_err(|e| e.to_string()),
        CheckKind::CompanyReg => RegistrationNumber::parse(input, today)
            .map(|n| {
                field("registration_number", json!(n.registration_number()));
                field("year", json!(n.year()));
                field("type_code", json!(format!("{:02}", n.type_code())));
                field("company_type", json!(n.company_type().as_str()));
                if let Some(p) = n.prefix() {
                    field("enterprise_prefix", json!(format!("{p:?}")));
                }
                n.warnings()
            })
            .map_err(|e| e.to_string()),
    };
    match outcome {
        Ok(warnings) => v.warnings = warnings,
        Err(reason) => {
            v.valid = false;
            v.reason = Some(reason);
        }
    }
    v
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut values = Vec::new();
    for value in &args.values {
        if value == "-" {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
                if !line.trim().is_empty() {
                    values.push(line.trim().to_owned());
                }
            }
        } else {
            values.push(value.clone());
        }
    }
    anyhow::ensure!(
        !values.is_empty(),
        "no values to check: give them as arguments or `-` to read standard input"
    );
    let today = chrono::Utc::now().date_naive();
    let mut all_valid = true;
    for input in &values {
        let v = verdict(args.kind, input, today);
        all_valid &= v.valid;
        if args.json {
            let mut obj = Map::new();
            obj.insert("input".into(), json!(v.input));
            obj.insert("valid".into(), json!(v.valid));
            if let Some(r) = &v.reason {
                obj.insert("reason".into(), json!(r));
            }
            obj.insert("warnings".into(), json!(v.warnings));
            obj.extend(v.fields);
            println!("{}", Value::Object(obj));
        } else {
            let detail = match &v.reason {
                Some(reason) => reason.clone(),
                None => v
                    .fields
                    .iter()
                    .map(|(k, val)| {
                        format!(
                            "{k}: {}",
                            val.as_str().map_or_else(|| val.to_string(), str::to_owned)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let verdict = if v.valid { "valid" } else { "invalid" };
            if detail.is_empty() {
                println!("{}  {verdict}", v.input);
            } else {
                println!("{}  {verdict}  {detail}", v.input);
            }
            for w in &v.warnings {
                println!("{}  warning  {w}", v.input);
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
