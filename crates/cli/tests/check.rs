//! `comply360 check`: verdicts with reasons and parsed fields, from arguments or standard
//! input, as text or JSON lines; exit 1 when any value is invalid.

use crate::support::{BIN, output_with_stdin};
use std::process::{Command, Output};

fn check(args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("check").args(args);
    output_with_stdin(cmd, Some(stdin.as_bytes()))
}

fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn sa_ids_are_judged_with_reasons_and_fields() {
    let out = check(
        &[
            "sa-id",
            "8001015009087",
            "8506150123089",
            "8001015009088",
            "0102295109189",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an invalid value makes the exit non-zero"
    );
    let l = lines(&out);
    assert_eq!(l.len(), 4, "{l:?}");
    assert!(
        l[0].starts_with("8001015009087  valid")
            && l[0].contains("1980-01-01")
            && l[0].contains("male")
            && l[0].contains("citizen"),
        "{}",
        l[0]
    );
    assert!(
        l[1].contains("1985-06-15") && l[1].contains("female"),
        "{}",
        l[1]
    );
    assert!(
        l[2].contains("invalid") && l[2].contains("check digit"),
        "{}",
        l[2]
    );
    assert!(
        l[3].contains("invalid") && l[3].contains("not a real date"),
        "{}",
        l[3]
    );

    let ok = check(&["sa-id", "9512314999181"], "");
    assert_eq!(ok.status.code(), Some(0));
    assert!(lines(&ok)[0].contains("permanent_resident"));
}

#[test]
fn values_from_standard_input_as_json_lines() {
    let out = check(
        &["company-reg", "-", "--json"],
        "2015/255566/07\n\nK2015/255566/99\n2015/25556/07\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let objs: Vec<serde_json::Value> = lines(&out)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 3, "blank lines are skipped");
    assert_eq!(objs[0]["valid"], true);
    assert_eq!(objs[0]["year"], 2015);
    assert_eq!(objs[0]["company_type"], "private_company");
    assert_eq!(objs[1]["valid"], true);
    assert_eq!(objs[1]["enterprise_prefix"], "K");
    assert!(
        objs[1]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no known meaning")
    );
    assert_eq!(objs[2]["valid"], false);
    assert!(
        objs[2]["reason"]
            .as_str()
            .unwrap()
            .contains("2015/255566/07")
    );
    assert_eq!(objs[2]["input"], "2015/25556/07");
}

#[test]
fn tax_references_and_vat_numbers() {
    let out = check(&["tax-ref", "0001339050", "9045478147", "2449494160"], "");
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert!(l[0].ends_with("valid") && l[1].ends_with("valid"), "{l:?}");
    assert!(l[2].contains("invalid"));
    // A VAT number whose last digit fails Luhn is valid with a warning; exit 0.
    let out = check(&["vat", "4123456789"], "");
    assert_eq!(out.status.code(), Some(0));
    let l = lines(&out);
    assert_eq!(l.len(), 2);
    assert!(l[1].contains("warning"));
    let out = check(&["vat", "5123456789"], "");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn company_names_say_their_type_or_what_is_wrong() {
    let out = check(
        &[
            "company-name",
            "--json",
            "Karoo Solar (Pty) Ltd",
            "Karoo Solar",
            "2011/000123/07 (Pty) Ltd",
            "Eskom Holdings SOC Ltd",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let objs: Vec<serde_json::Value> = lines(&out)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs[0]["company_type"], "private_company");
    assert_eq!(objs[0]["distinctive_part"], "Karoo Solar");
    assert!(
        objs[1]["reason"].as_str().unwrap().contains("(Pty) Ltd"),
        "{}",
        objs[1]
    );
    assert!(
        objs[2]["reason"]
            .as_str()
            .unwrap()
            .contains("(South Africa)"),
        "{}",
        objs[2]
    );
    assert_eq!(objs[3]["company_type"], "state_owned_company");
}

#[test]
fn bad_usage_is_one_line() {
    let out = check(&["sa-id", "-"], "\n\n");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("no values to check"), "{err}");
    let out = check(&["passport", "X"], "");
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
}
