//! Helpers shared by the cli test modules: the binary under test, on a data directory of its
//! own or on a test database of the testkit's cluster.

use comply360_testkit::TestDb;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The `comply360` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_comply360");

/// `comply360` pointed at the test's app database on the test cluster.
pub fn comply360(db: &TestDb) -> Command {
    comply360_testkit::comply360_command(BIN, db)
}

/// `comply360 <args> --data-dir <dir>`: the binary's own embedded cluster in `dir`, never a
/// `DATABASE_URL` or `RUST_LOG` from the caller's environment.
pub fn on_data_dir(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs `cmd` with `stdin` (if any) on its standard input, which is then closed; its output.
pub fn output_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}
