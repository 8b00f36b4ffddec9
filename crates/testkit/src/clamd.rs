//! A real clamd (Debian's `clamav-daemon`), once per test process, knowing only the EICAR
//! test file: the official signatures cannot be downloaded here, and with one small
//! signature file clamd starts in about a second.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::OnceCell;

/// The running clamd's addresses.
pub struct TestClamd {
    /// `127.0.0.1:<port>`.
    pub tcp: String,
    /// Its `LocalSocket`.
    pub socket: PathBuf,
    /// The largest stream it accepts (`StreamMaxLength`), in bytes.
    pub stream_max_length: u64,
    /// Held, never waited on: clamd runs until the reaper stops it after this process ends.
    _process: std::process::Child,
}

/// `StreamMaxLength` of the test clamd: above the 30 MB a test may stream when it wants
/// the size-limit error.
const STREAM_MAX_MB: u64 = 32;

static CLAMD: OnceCell<Option<TestClamd>> = OnceCell::const_new();

/// The EICAR anti-virus test file (68 bytes), which every scanner reports and which is
/// harmless. Kept as two halves joined at run time so that this source file, and the
/// compiled test binary's string table, do not themselves trip a scanner on the machine.
pub fn eicar() -> Vec<u8> {
    let first = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
    let second = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    [first, second].concat().into_bytes()
}

/// MD5 of [`eicar`] (for the `.hdb` line): the published value, as `md5sum` gives it.
const EICAR_MD5: &str = "44d88612fea8a8f36de82e1278abb02f";

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/clamd", "/usr/bin/clamd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// The process's clamd, started on first use. `None` (the test says so and returns) when
/// clamd is not installed, except under `CI=true`, where that fails the test.
pub async fn test_clamd() -> Option<&'static TestClamd> {
    CLAMD.get_or_init(start).await.as_ref()
}

async fn start() -> Option<TestClamd> {
    let Some(bin) = binary() else {
        assert!(
            !crate::ci(),
            "clamd is not installed: apt-get install clamav-daemon (scripts/test does it)"
        );
        eprintln!("SKIPPED: clamd is not installed (apt-get install clamav-daemon)");
        return None;
    };
    // Kept (not a TempDir): the reaper removes it once this process is gone.
    let dir = tempfile::Builder::new()
        .prefix("c360clamd-")
        .tempdir_in("/tmp")
        .expect("a temp dir for clamd")
        .keep();
    let port = crate::free_port();
    let socket = dir.join("clamd.sock");
    write_signatures(&dir);
    let conf = dir.join("clamd.conf");
    std::fs::write(&conf, config(&dir, port, &socket)).expect("write clamd.conf");
    let process = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start clamd");
    spawn_reaper(process.id(), &dir);
    let tcp = format!("127.0.0.1:{port}");
    crate::eventually(
        "clamd to answer PING with PONG",
        Duration::from_secs(60),
        || {
            let tcp = tcp.clone();
            let dir = dir.clone();
            async move {
                match ping(&tcp).await {
                    Ok(()) => Ok(()),
                    Err(e) => Err(format!(
                        "{e}; clamd.log: {}",
                        std::fs::read_to_string(dir.join("clamd.log")).unwrap_or_default()
                    )),
                }
            }
        },
    )
    .await;
    Some(TestClamd {
        tcp,
        socket,
        stream_max_length: STREAM_MAX_MB * 1024 * 1024,
        _process: process,
    })
}

fn config(dir: &Path, port: u16, socket: &Path) -> String {
    let mut conf = format!(
        "Foreground yes\n\
         TCPSocket {port}\n\
         TCPAddr 127.0.0.1\n\
         LocalSocket {socket}\n\
         DatabaseDirectory {db}\n\
         LogFile {dir}/clamd.log\n\
         LogSyslog no\n\
         PidFile {dir}/clamd.pid\n\
         StreamMaxLength {STREAM_MAX_MB}M\n\
         MaxScanSize 64M\n\
         MaxFileSize 64M\n\
         MaxThreads 4\n\
         Bytecode no\n",
        socket = socket.display(),
        db = dir.join("db").display(),
        dir = dir.display(),
    );
    // clamd switches to this user after binding; as root it would otherwise stay root only
    // if the user exists and can read the database, so name root outright.
    if nix::unistd::Uid::effective().is_root() {
        conf.push_str("User root\n");
    }
    conf
}

/// A signature database of its own directory (so clamd reads nothing else): EICAR as a body
/// signature matching anywhere in any file (inside a PDF, say), and by hash for the bare file.
fn write_signatures(dir: &Path) {
    let db = dir.join("db");
    std::fs::create_dir(&db).expect("create the signature directory");
    let hex: String = eicar().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(db.join("test.ndb"), format!("Test.EICAR.Body:0:*:{hex}\n"))
        .expect("write test.ndb");
    std::fs::write(
        db.join("test.hdb"),
        format!("{EICAR_MD5}:{}:Test.EICAR\n", eicar().len()),
    )
    .expect("write test.hdb");
}

/// One `zPING`.
async fn ping(tcp: &str) -> Result<(), String> {
    let mut conn = tokio::net::TcpStream::connect(tcp)
        .await
        .map_err(|e| format!("connect to {tcp}: {e}"))?;
    conn.write_all(b"zPING\0")
        .await
        .map_err(|e| format!("send PING: {e}"))?;
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply)
        .await
        .map_err(|e| format!("read the answer: {e}"))?;
    if reply.starts_with(b"PONG") {
        Ok(())
    } else {
        Err(format!("answered {:?}", String::from_utf8_lossy(&reply)))
    }
}

/// Stops clamd and removes its directory once this process is gone, however it ends.
fn spawn_reaper(clamd: u32, dir: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill {clamd} 2>/dev/null; sleep 1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}
