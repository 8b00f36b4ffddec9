//! Commission arithmetic checked against an independent implementation: Python's `decimal`
//! module (the standard library's exact decimal arithmetic, with its own rounding modes). Each
//! generated fee, rate and rounding rule gets the same commission, to the cent, and the same
//! exact unrounded amount; plain divisions with negative numerators check the rounding of
//! either sign.

use comply360_domain::Cents;
use comply360_domain::commission::{BasisPoints, Formula, Rounding};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

/// xorshift64*, so that every run checks the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ORACLE: &str = r#"
import json, sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_UP
getcontext().prec = 60
MODES = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP, "down": ROUND_DOWN, "up": ROUND_UP}
out = []
for case in json.load(sys.stdin):
    exact = Decimal(case["numerator"]) / Decimal(case["denominator"])
    out.append({
        "rounded": int(exact.quantize(Decimal(1), rounding=MODES[case["rounding"]])),
        "exact": format(exact.normalize(), "f"),
    })
json.dump(out, sys.stdout)
"#;

fn python(cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (the tests need it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(cases).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the decimal oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn commissions_match_pythons_decimal_for_every_rounding_rule() {
    let mut rng = Rng(0xC0FF_EE12_3456_789B);
    let mut inputs = Vec::new();
    for i in 0..4000u64 {
        // Fees that make halves likely (multiples of 2, 4, 8, 16 cents) and arbitrary ones,
        // from a cent to beyond a billion rand; rates from 0 to 100 %.
        let base = match i % 4 {
            0 => rng.below(100_000) * 8,
            1 => rng.below(1_000_000_000),
            2 => rng.below(200),
            _ => rng.below(i64::MAX as u64 / 10_000),
        } as i64;
        let bp = match i % 3 {
            0 => [1250, 2500, 5000, 750, 125, 10_000, 0][rng.below(7) as usize],
            _ => rng.below(10_001) as u32,
        };
        let rounding = Rounding::ALL[rng.below(4) as usize];
        inputs.push((base, bp, rounding));
    }
    let cases: Vec<Value> = inputs
        .iter()
        .map(|(base, bp, r)| {
            json!({
                "numerator": (i128::from(*base) * i128::from(*bp)).to_string(),
                "denominator": "10000",
                "rounding": r.as_str(),
            })
        })
        .collect();
    let expected = python(&cases);
    let mut halves = 0;
    for ((base, bp, rounding), want) in inputs.iter().zip(&expected) {
        let formula = Formula::Percentage {
            rate_bp: BasisPoints::new(*bp).unwrap(),
        };
        let got = formula.calculate(Cents(*base), *rounding).unwrap();
        let case = format!("{bp} bp of {base} cents, {rounding}");
        assert_eq!(got.amount.0, want["rounded"].as_i64().unwrap(), "{case}");
        assert_eq!(got.exact_cents, want["exact"].as_str().unwrap(), "{case}");
        if got.exact_cents.ends_with(".5") {
            halves += 1;
        }
    }
    assert!(halves > 100, "the inputs include exact halves ({halves})");
}

#[test]
fn divisions_of_either_sign_match_pythons_decimal() {
    let mut rng = Rng(0x5151_2727_9393_1717);
    let mut inputs = Vec::new();
    for _ in 0..3000 {
        let denominator = [2i128, 4, 8, 10, 100, 10_000, 3, 7][rng.below(8) as usize];
        let magnitude = i128::from(rng.below(1_000_000));
        let numerator = if rng.below(2) == 0 {
            -magnitude
        } else {
            magnitude
        };
        inputs.push((numerator, denominator, Rounding::ALL[rng.below(4) as usize]));
    }
    let cases: Vec<Value> = inputs
        .iter()
        .map(|(n, d, r)| json!({"numerator": n.to_string(), "denominator": d.to_string(), "rounding": r.as_str()}))
        .collect();
    let expected = python(&cases);
    for ((n, d, rounding), want) in inputs.iter().zip(&expected) {
        assert_eq!(
            rounding.divide(*n, *d),
            i128::from(want["rounded"].as_i64().unwrap()),
            "{n} / {d}, {rounding}"
        );
    }
}
