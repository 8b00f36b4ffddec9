//! The layers of ARCHITECTURE.md's map, checked: which crate may depend on which (from
//! `cargo metadata`), and no SQL in the HTTP handlers or the commands (SQL lives in
//! repositories of the owning crate).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each crate of ours and the crates of ours it may depend on (normal and build
/// dependencies; dev-dependencies are the tests' business). Names without `comply360-`.
/// The map in ARCHITECTURE.md, as a table: change both together.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    // Sample documents made on the spot: the tests' and the documents benchmark's.
    ("fixtures", &[]),
    ("store", &["domain"]),
    ("integrations", &["domain"]),
    ("jobs", &["domain", "store"]),
    ("notify", &["domain", "store", "jobs", "integrations"]),
    // Identity emits events (the outbox of `jobs`); notifications subscribe to them.
    ("identity", &["domain", "store", "jobs"]),
    ("practice", &["domain", "store", "jobs", "integrations"]),
    // Documents belong to the practice's clients, companies, people and registrations; the
    // master key that wraps each agency's data key is identity's.
    (
        "documents",
        &["domain", "store", "jobs", "identity", "practice"],
    ),
    // Prices, commission rules and commissions: about the practice's registrations.
    ("money", &["domain", "store", "jobs", "practice"]),
    // The agency's Odoo: the client (integrations), its key sealed (identity), and what it
    // mirrors (practice's clients and registrations, money's commissions, payments' invoices,
    // payments and credit notes; payments never depends on erp, so no cycle).
    (
        "erp",
        &[
            "domain",
            "store",
            "jobs",
            "integrations",
            "identity",
            "practice",
            "money",
            "payments",
        ],
    ),
    // Invoices and payments: the providers' clients (integrations), their secrets sealed
    // (identity), the registrations invoiced (practice) at the agency's prices (money).
    (
        "payments",
        &[
            "domain",
            "store",
            "jobs",
            "integrations",
            "identity",
            "practice",
            "money",
        ],
    ),
    (
        "api",
        &[
            "domain",
            "store",
            "jobs",
            "integrations",
            "identity",
            "practice",
            "documents",
            "money",
            "erp",
            "payments",
        ],
    ),
    // The portal's pages: the API's state, extractors and problem mapping, and the same
    // operations the API calls (the console: the jobs' operator view of dead letters).
    (
        "web",
        &[
            "domain",
            "store",
            "jobs",
            "identity",
            "practice",
            "documents",
            "money",
            "erp",
            "payments",
            "api",
        ],
    ),
    (
        "cli",
        &[
            "domain",
            "store",
            "jobs",
            "integrations",
            "notify",
            "identity",
            "practice",
            "documents",
            "money",
            "erp",
            "payments",
            "fixtures",
            "api",
            "web",
        ],
    ),
    (
        "testkit",
        &[
            "domain",
            "store",
            "jobs",
            "integrations",
            "notify",
            "identity",
            "documents",
            "money",
            "erp",
            "payments",
            "fixtures",
            "api",
            "web",
        ],
    ),
];

const PREFIX: &str = "comply360-";
/// The binary's package (crates/cli) is named after the binary.
const CLI_PACKAGE: &str = "comply360";

/// A package of ours by its short name (`store`, `cli`).
fn short_name(package: &str) -> Option<&str> {
    if package == CLI_PACKAGE {
        return Some("cli");
    }
    package.strip_prefix(PREFIX)
}

fn package_name(short: &str) -> String {
    if short == "cli" {
        CLI_PACKAGE.to_owned()
    } else {
        format!("{PREFIX}{short}")
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

/// Our crates and, for each, the crates of ours it depends on outside dev-dependencies.
fn our_graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(workspace_root().join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
    let mut graph = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("a package name");
        let Some(name) = short_name(name) else {
            continue;
        };
        let deps: BTreeSet<String> = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| short_name(d["name"].as_str()?))
            .map(str::to_owned)
            .collect();
        graph.insert(name.to_owned(), deps);
    }
    graph
}

/// Every edge of `graph` the table does not allow, worded for the person who added it.
fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut found = Vec::new();
    for (krate, deps) in graph {
        let Some(may) = allowed.get(krate.as_str()) else {
            found.push(format!(
                "{} is not in the layer table: add it to ALLOWED in {} and to ARCHITECTURE.md's map",
                package_name(krate),
                file!()
            ));
            continue;
        };
        for dep in deps {
            if may.contains(&dep.as_str()) {
                continue;
            }
            let why = match (krate.as_str(), dep.as_str()) {
                ("domain", _) => "domain depends on nothing of ours",
                ("identity", "notify") => {
                    "identity emits outbox events and knows nothing of notify; notify.events subscribes"
                }
                _ => "dependencies point inward (ARCHITECTURE.md, the map)",
            };
            found.push(format!(
                "{} depends on {}: {why}",
                package_name(krate),
                package_name(dep)
            ));
        }
    }
    found
}

#[test]
fn crates_depend_only_inward() {
    let graph = our_graph();
    assert!(
        graph.contains_key("domain") && graph.contains_key("cli"),
        "cargo metadata did not list our crates: {graph:?}"
    );
    let found = violations(&graph);
    assert!(
        found.is_empty(),
        "layer violations:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_table_catches_what_it_is_for() {
    let edge = |from: &str, to: &str| {
        let mut graph = BTreeMap::new();
        graph.insert(from.to_owned(), BTreeSet::from([to.to_owned()]));
        violations(&graph)
    };
    assert!(edge("domain", "store")[0].contains("comply360-domain depends on comply360-store"));
    assert!(edge("identity", "notify")[0].contains("knows nothing of notify"));
    assert!(edge("store", "jobs")[0].contains("point inward"));
    assert!(edge("jobs", "notify")[0].contains("point inward"));
    assert!(edge("api", "cli")[0].contains("comply360-api depends on comply360:"));
    assert!(edge("billing", "domain")[0].contains("not in the layer table"));
    assert!(edge("api", "practice").is_empty());
}

/// Calls that run SQL, looked for in code (strings blanked, comments removed).
const SQL_CALLS: &[&str] = &[
    "sqlx::query",
    "sqlx::raw_sql",
    "query_as(",
    "query_as::<",
    "query_scalar(",
    "query_scalar::<",
    ".query(\"",
    ".query(r",
    ".query(concat!",
    ".execute(\"",
    ".execute(r",
];

/// Whether a string literal's text reads as an SQL statement.
fn looks_like_sql(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let word = |i: usize| words.get(i).copied().unwrap_or("");
    match word(0) {
        "SELECT" => !word(1).starts_with('/'),
        "INSERT" => word(1) == "INTO",
        "DELETE" => word(1) == "FROM",
        "UPDATE" => word(2) == "SET",
        "WITH" => word(2) == "AS" || word(1) == "RECURSIVE",
        _ => false,
    }
}

/// A file's code with comments removed and string contents blanked (line structure kept),
/// and its string literals with the line each starts on.
fn split_source(source: &str) -> (String, Vec<(usize, String)>) {
    let chars: Vec<char> = source.chars().collect();
    let mut code = String::with_capacity(source.len());
    let mut strings = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                    code.push('\n');
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        // Raw strings: r"…", r#"…"#.
        let raw_start = c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !i
                .checked_sub(1)
                .is_some_and(|p| chars[p].is_alphanumeric() || chars[p] == '_');
        if raw_start {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                let start_line = line;
                let mut text = String::new();
                j += 1;
                while let Some(&ch) = chars.get(j) {
                    if ch == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    if ch == '\n' {
                        line += 1;
                    }
                    text.push(ch);
                    j += 1;
                }
                code.push_str("r\"\"");
                for _ in 0..(line - start_line) {
                    code.push('\n');
                }
                strings.push((start_line, text));
                i = j;
                continue;
            }
        }
        if c == '"' {
            let start_line = line;
            let mut text = String::new();
            let mut j = i + 1;
            while let Some(&ch) = chars.get(j) {
                if ch == '\\' {
                    if let Some(&escaped) = chars.get(j + 1) {
                        if escaped == '\n' {
                            line += 1;
                        }
                        text.push(' ');
                    }
                    j += 2;
                    continue;
                }
                if ch == '"' {
                    j += 1;
                    break;
                }
                if ch == '\n' {
                    line += 1;
                }
                text.push(ch);
                j += 1;
            }
            code.push_str("\"\"");
            for _ in 0..(line - start_line) {
                code.push('\n');
            }
            strings.push((start_line, text));
            i = j;
            continue;
        }
        // Character literals ('"', '\'', '\n'); a lone quote is a lifetime.
        if c == '\'' {
            if next == Some('\\') {
                let mut j = i + 3;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                code.push_str("' '");
                i = j + 1;
                continue;
            }
            if chars.get(i + 2) == Some(&'\'') {
                code.push_str("' '");
                i += 3;
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        code.push(c);
        i += 1;
    }
    (code, strings)
}

/// `file:line: what` for every SQL call or SQL text in `source`.
fn sql_in(file: &str, source: &str) -> Vec<String> {
    let (code, strings) = split_source(source);
    let mut found = Vec::new();
    for (n, text) in code.lines().enumerate() {
        for call in SQL_CALLS {
            if text.contains(call) {
                found.push(format!("{file}:{}: calls {call}", n + 1));
            }
        }
    }
    for (line, text) in strings {
        if looks_like_sql(&text) {
            let start: String = text
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            found.push(format!("{file}:{line}: SQL text \"{start} …\""));
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn no_sql_in_handlers_or_commands() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates/api/src", "crates/cli/src", "crates/web/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {files:?}");
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read a source file");
        let name = path
            .strip_prefix(&root)
            .expect("under the root")
            .display()
            .to_string();
        found.extend(sql_in(&name, &source));
    }
    assert!(
        found.is_empty(),
        "SQL belongs in a repository of the owning crate (store, identity, practice, …), over `&mut TenantTx` for tenant data:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_scan_sees_sql_and_only_sql() {
    let source = r##"
// sqlx::query("SELECT 1") in a comment is fine
let a = "DELETE /api/v1/users/{id}";
let b = name.replace(['"', '\\'], "_");
let c: Option<i64> = tx
    .query_scalar(
        "SELECT count(*) FROM clients WHERE tenant_id = $1",
    );
let d = "Select a company";
let e = r#"
    WITH ins AS (INSERT INTO t VALUES (1)) SELECT 1"#;
let f = format!("UPDATE {} SET x = 1", table);
"##;
    let found = sql_in("x.rs", source);
    assert_eq!(
        found,
        vec![
            "x.rs:6: calls query_scalar(",
            "x.rs:7: SQL text \"SELECT count(*) FROM …\"",
            "x.rs:10: SQL text \"WITH ins AS …\"",
            "x.rs:12: SQL text \"UPDATE {} SET …\"",
        ],
        "{found:#?}"
    );
}

/// Files of `crates/<crate>/tests/` that its `main.rs` does not declare as a module: with one
/// test binary per crate (`autotests = false`), such a file would silently never be compiled.
fn undeclared_test_files(tests_dir: &Path) -> Vec<String> {
    let Ok(main) = std::fs::read_to_string(tests_dir.join("main.rs")) else {
        return vec![format!("{}: no main.rs", tests_dir.display())];
    };
    let declared: BTreeSet<String> = main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .map(str::to_owned)
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(tests_dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_module_dir = path.is_dir() && path.join("mod.rs").is_file();
        let is_module_file = path.extension().is_some_and(|e| e == "rs") && stem != "main";
        if !(is_module_dir || is_module_file) {
            continue;
        }
        let module = stem;
        if !declared.contains(module) {
            missing.push(format!(
                "{}: `mod {module};` is missing",
                tests_dir.join("main.rs").display()
            ));
        }
    }
    missing
}

#[test]
fn every_test_file_is_part_of_its_crates_test_binary() {
    let root = workspace_root().join("crates");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let tests = entry.path().join("tests");
        if tests.is_dir() {
            missing.extend(undeclared_test_files(&tests));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn an_undeclared_test_file_is_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.rs"), "mod kept;\n").unwrap();
    std::fs::write(dir.path().join("kept.rs"), "").unwrap();
    std::fs::write(dir.path().join("forgotten.rs"), "").unwrap();
    let missing = undeclared_test_files(dir.path());
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].contains("mod forgotten;"), "{missing:?}");
}
