//! `comply360 import clients` from the command line, on the binary's own embedded cluster:
//! a dry run reports every row's errors by line and column and writes nothing; a real run
//! writes all rows or none; `--skip-invalid` writes the valid ones; malformed files (wrong
//! columns, bad encoding, unbalanced quotes, ragged rows) are reported by line.

use crate::support::{on_data_dir, output_with_stdin};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    output_with_stdin(on_data_dir(dir, args), stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// Runs an import of `csv` (from standard input) with `flags`; (exit code, stdout, stderr).
fn import(dir: &Path, csv: &[u8], flags: &[&str]) -> (i32, String, String) {
    let mut args = vec!["import", "clients", "--tenant", "karoo", "-"];
    args.extend_from_slice(flags);
    let out = run(dir, &args, Some(csv));
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn report(dir: &Path, csv: &[u8], flags: &[&str]) -> (i32, Value) {
    let mut flags = flags.to_vec();
    flags.push("--json");
    let (code, out, err) = import(dir, csv, &flags);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} / {err}")),
    )
}

const GOOD: &str = "\
first_names,surname,id_number,email,phone,address_line1,address_city
Thabo,Mokoena,8001015009087,thabo@karoo.example,082 555 0101,12 Long Street,Cape Town
Lindiwe,Dube,8506150123089,lindiwe@karoo.example,+27 83 555 0102,,
";

/// The same file with a third row whose ID number fails its check digit and whose email
/// has no domain, and a fourth that repeats the first's ID number.
const MIXED: &str = "\
first_names,surname,id_number,email,phone,address_line1,address_city
Thabo,Mokoena,8001015009087,thabo@karoo.example,082 555 0101,12 Long Street,Cape Town
Lindiwe,Dube,8506150123089,lindiwe@karoo.example,+27 83 555 0102,,
Sipho,Ndlovu,8001015009088,sipho@,,,
Thabo,Twice,8001015009087,,,,
";

#[test]
fn clients_are_imported_all_or_nothing_with_line_numbered_errors() {
    let guard = tempfile::Builder::new()
        .prefix("c360imp-")
        .tempdir_in("/tmp")
        .unwrap();
    let dir = guard.path();
    let created = run(
        dir,
        &[
            "tenant",
            "create",
            "--slug",
            "karoo",
            "--name",
            "Karoo Secretarial",
            "--mode",
            "pooled",
        ],
        None,
    );
    assert!(created.status.success(), "{}", text(&created.stderr));

    // Dry run of the mixed file: every error by line and column, nothing written, exit 1.
    let (code, out, err) = import(dir, MIXED.as_bytes(), &["--dry-run"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "line 4, column email: there is no domain after the @; enter the whole address, e.g. thandi@example.co.za",
            "line 4, column id_number: not a valid South African ID number: the check digit is wrong (Luhn): a digit was mistyped",
            "line 5, column id_number: the same ID number is on line 2",
        ],
        "{err}"
    );
    assert!(
        out.contains("would import 2 of 4 clients into karoo; 2 lines have errors"),
        "{out}"
    );

    // A real run of the same file writes nothing: one bad row stops it.
    let (code, out, _) = import(dir, MIXED.as_bytes(), &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("nothing was written because 2 lines have errors"),
        "{out}"
    );
    let (_, dry) = report(dir, GOOD.as_bytes(), &["--dry-run"]);
    assert_eq!(
        (
            dry["valid"].as_u64(),
            dry["errors"].as_array().unwrap().len()
        ),
        (Some(2), 0),
        "still nothing there: {dry}"
    );

    // --skip-invalid writes the two good rows and reports the others.
    let (code, skipped) = report(dir, MIXED.as_bytes(), &["--skip-invalid"]);
    assert_eq!(code, 0, "{skipped}");
    assert_eq!(skipped["written"], 2);
    assert_eq!(skipped["created"].as_array().unwrap().len(), 2);
    let lines: Vec<u64> = skipped["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 4, 5]);

    // Now they exist: importing them again is refused as duplicates, and writes nothing.
    let (code, again) = report(dir, GOOD.as_bytes(), &[]);
    assert_eq!(code, 1);
    assert_eq!(again["written"], 0);
    let columns: Vec<(u64, &str)> = again["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(columns, [(2, "id_number"), (3, "id_number")]);
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already has a client with this ID number")
    );

    // All or nothing for real: a clean file of three writes three.
    let fresh = "display_name,kind,registration_number,email\nBaobab Holdings,organisation,K2015/255566/07,info@baobab.example\nCedar Trust,organisation,,\n\"Msasa, Kopje & Sons\",organisation,,msasa@example.co.zw\n";
    let (code, done) = report(dir, fresh.as_bytes(), &[]);
    assert_eq!((code, done["written"].as_u64()), (0, Some(3)), "{done}");
}

#[test]
fn malformed_files_are_reported_by_line() {
    let guard = tempfile::Builder::new()
        .prefix("c360csv-")
        .tempdir_in("/tmp")
        .unwrap();
    let dir = guard.path();
    let created = run(
        dir,
        &[
            "tenant",
            "create",
            "--slug",
            "karoo",
            "--name",
            "Karoo Secretarial",
            "--mode",
            "schema",
        ],
        None,
    );
    assert!(created.status.success(), "{}", text(&created.stderr));

    // Wrong columns: the unknown one named, and no name column at all.
    let (code, _, err) = import(
        dir,
        b"name,e-mail,colour\nThabo,t@x.co.za,red\n",
        &["--dry-run"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("line 1, column name: unknown column; the columns are kind, display_name"),
        "{err}"
    );
    assert!(
        err.contains("line 1, column colour: unknown column"),
        "{err}"
    );
    assert!(
        err.contains("line 1: no name column: give display_name, or first_names and surname"),
        "{err}"
    );
    assert!(
        !err.contains("column e_mail"),
        "e-mail is read as the email column: {err}"
    );

    // Bad encoding: a Windows-1252 é.
    let (code, _, err) = import(
        dir,
        b"display_name,email\nCaf\xe9 Mokoena,cafe@x.co.za\nThabo,t@x.co.za\n",
        &["--dry-run"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "line 2, column display_name: not UTF-8 text (the file may be in Windows-1252); save it as \"CSV UTF-8\""
    );

    // A quote never closed swallows the rest of the file: reported where it opened.
    let (code, _, err) = import(
        dir,
        b"display_name,notes\nThabo,\"says \"\"hi\"\" and never closes\nLindiwe,ok\n",
        &["--dry-run"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "line 2, column notes: a quoted field is not closed (a \" without its closing \")"
    );

    // Ragged rows: too few and too many fields, each by its line; the good row still counts.
    let (code, out, err) = import(
        dir,
        b"display_name,email\nThabo\nLindiwe,l@x.co.za\nSipho,s@x.co.za,extra\n",
        &["--dry-run"],
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("line 2: has 1 fields but the header has 2"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("line 4: has 3 fields but the header has 2"),
        "{err}"
    );
    assert!(out.contains("would import 1 of 3 clients"), "{out}");

    // Quotes done right (commas and doubled quotes inside) are fine; a BOM is ignored.
    let (code, out, err) = import(
        dir,
        "\u{feff}display_name,notes\n\"Msasa, Kopje & Sons\",\"the \"\"big\"\" one\"\n".as_bytes(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 1 of 1 clients into karoo"), "{out}");

    // An empty file and an unknown agency: one line, exit 1.
    let (code, _, err) = import(dir, b"", &["--dry-run"]);
    assert_eq!(code, 1);
    assert!(err.contains("line 1: the file is empty"), "{err}");
    let out = run(
        dir,
        &["import", "clients", "--tenant", "nowhere", "-"],
        Some(GOOD.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nowhere"), "{err}");
}
