//! The embedded PostgreSQL cluster: what `comply360` runs when no `DATABASE_URL` is given.
//!
//! The cluster lives in `<data-dir>/pg`, listens on a Unix socket in `<data-dir>/run` and on a
//! free loopback port, and runs as an unprivileged user when this process is root (`initdb`
//! refuses root). Several `comply360` processes may share one data directory (a `serve` and a
//! `tenant create`, say): each holds a shared lease on `<data-dir>/cluster.lease`, and the last
//! one to leave stops the cluster. A `postmaster.pid` left by a crash is recognised and removed.
//!
//! The parts: this module starts, joins and leaves the cluster (initdb, pg_ctl, a stale
//! `postmaster.pid`); `binaries` finds the server programs; `run_as` picks the unprivileged
//! user when we are root; `lease` holds the data directory's lock and lease files.

mod binaries;
mod lease;
mod run_as;

pub use binaries::PgBinaries;

use crate::EMBEDDED_ADMIN_ROLE;
use crate::connect::ServerAddress;
use lease::{lock_file, open_lock_file};
use nix::fcntl::{Flock, FlockArg};
use run_as::{RunAs, check_traversable, run_as};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

/// `sun_path` is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found {where_}; install \
         them (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL to use an existing \
         server"
    )]
    BinariesMissing { where_: String },
    #[error("data directory {dir} is not writable: {reason}; choose another with --data-dir")]
    NotWritable { dir: String, reason: String },
    #[error(
        "comply360 runs as root, and PostgreSQL refuses to: create an unprivileged system user \
         named \"postgres\" (useradd --system postgres) or run comply360 as an ordinary user"
    )]
    NoUnprivilegedUser,
    #[error(
        "the postgres user (which runs the embedded PostgreSQL when comply360 runs as root) \
         cannot enter {dir}; allow it (chmod o+x {dir}) or choose another --data-dir"
    )]
    NotTraversable { dir: String },
    #[error(
        "the socket path {path} is longer than the {MAX_SOCKET_PATH} bytes Unix allows; use a \
         shorter --data-dir"
    )]
    SocketPathTooLong { path: String },
    #[error("{step} failed: {detail}")]
    Command { step: String, detail: String },
    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl EmbeddedError {
    /// Whether PostgreSQL did not start because its port was already in use.
    fn is_port_taken(&self) -> bool {
        matches!(self, EmbeddedError::Command { step, detail }
            if step == "starting PostgreSQL" && detail.contains("Address already in use"))
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError + '_ {
    move |source| EmbeddedError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// How to start the embedded cluster.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    pub data_dir: PathBuf,
    /// Only for throwaway clusters (tests, benchmarks): `fsync=off`.
    pub unsafe_no_fsync: bool,
    /// Directory holding initdb/pg_ctl/postgres; searched for when `None`.
    pub bin_dir: Option<PathBuf>,
    pub max_connections: u32,
}

impl EmbeddedOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EmbeddedOptions {
            data_dir: data_dir.into(),
            unsafe_no_fsync: false,
            bin_dir: None,
            max_connections: 200,
        }
    }
}

/// A running embedded cluster, shared through a lease with other processes on the same data
/// directory. Call [`EmbeddedCluster::release`] to leave it (stopping it if we are the last).
#[derive(Debug)]
pub struct EmbeddedCluster {
    data_dir: PathBuf,
    pg_data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    bins: PgBinaries,
    run_as: Option<RunAs>,
    lease: Option<Flock<File>>,
}

impl EmbeddedCluster {
    /// Initialises the cluster if needed, then starts it, or joins it if another process of
    /// ours already runs it.
    pub async fn start(opts: &EmbeddedOptions) -> Result<EmbeddedCluster, EmbeddedError> {
        let bins = PgBinaries::locate(opts.bin_dir.as_deref())?;
        let data_dir = absolute(&opts.data_dir)?;
        prepare_dir(&data_dir)?;
        let run_as = run_as()?;
        let pg_data = data_dir.join("pg");
        let socket_dir = data_dir.join("run");
        let socket_probe = socket_dir.join(".s.PGSQL.65535");
        if socket_probe.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(EmbeddedError::SocketPathTooLong {
                path: socket_probe.display().to_string(),
            });
        }
        fs::create_dir_all(&socket_dir).map_err(io_err(&socket_dir))?;
        if let Some(ra) = run_as {
            std::os::unix::fs::chown(&socket_dir, Some(ra.uid.as_raw()), Some(ra.gid.as_raw()))
                .map_err(io_err(&socket_dir))?;
            check_traversable(&data_dir, ra)?;
        }

        // One process at a time decides whether to init/start; others wait here briefly.
        let lock_path = data_dir.join("cluster.lock");
        let start_lock = lock_file(&lock_path, FlockArg::LockExclusive).await?;

        let mut cluster = EmbeddedCluster {
            data_dir: data_dir.clone(),
            pg_data,
            socket_dir,
            port: 0,
            bins,
            run_as,
            lease: None,
        };
        if !cluster.pg_data.join("PG_VERSION").is_file() {
            cluster.initdb().await?;
        }
        match cluster.running_port()? {
            Some(port) => {
                tracing::info!(port, "joining the embedded PostgreSQL already running");
                cluster.port = port;
            }
            None => {
                // A free port can be taken by another process between our choosing it and
                // PostgreSQL binding it (several clusters starting at once, as test binaries
                // do): then another port, a few times.
                let mut attempt = 1;
                loop {
                    cluster.port = free_port()?;
                    match cluster.pg_start(opts).await {
                        Err(err) if attempt < PORT_ATTEMPTS && err.is_port_taken() => {
                            tracing::warn!(
                                port = cluster.port,
                                "port taken as PostgreSQL started; trying another"
                            );
                            attempt += 1;
                        }
                        other => break other?,
                    }
                }
            }
        }
        let lease_path = data_dir.join("cluster.lease");
        cluster.lease = Some(lock_file(&lease_path, FlockArg::LockShared).await?);
        drop(start_lock);
        Ok(cluster)
    }

    pub fn address(&self) -> ServerAddress {
        ServerAddress {
            host: self.socket_dir.display().to_string(),
            port: self.port,
        }
    }

    pub fn admin_user(&self) -> &'static str {
        EMBEDDED_ADMIN_ROLE
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Leaves the cluster; stops it when no other process holds a lease.
    pub async fn release(mut self) -> Result<(), EmbeddedError> {
        let lock_path = self.data_dir.join("cluster.lock");
        let start_lock = lock_file(&lock_path, FlockArg::LockExclusive).await?;
        drop(self.lease.take());
        let lease_path = self.data_dir.join("cluster.lease");
        let file = open_lock_file(&lease_path)?;
        let last = Flock::lock(file, FlockArg::LockExclusiveNonblock).is_ok();
        if last {
            self.pg_ctl(
                &[
                    "stop",
                    "-D",
                    &self.pg_data.display().to_string(),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                ],
                "stopping PostgreSQL",
            )
            .await?;
            tracing::info!("embedded PostgreSQL stopped");
        } else {
            tracing::info!("embedded PostgreSQL left running for the other comply360 processes");
        }
        drop(start_lock);
        Ok(())
    }

    async fn initdb(&self) -> Result<(), EmbeddedError> {
        // A half-done initdb (crash, full disk) leaves a directory without PG_VERSION.
        if self.pg_data.exists() {
            fs::remove_dir_all(&self.pg_data).map_err(io_err(&self.pg_data))?;
        }
        fs::create_dir_all(&self.pg_data).map_err(io_err(&self.pg_data))?;
        self.chown(&self.pg_data)?;
        tracing::info!(dir = %self.pg_data.display(), "initialising the embedded PostgreSQL cluster");
        let mut cmd = Command::new(&self.bins.initdb);
        cmd.args(["-D"]).arg(&self.pg_data).args([
            "-U",
            EMBEDDED_ADMIN_ROLE,
            "-E",
            "UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ]);
        self.run(cmd, "initdb").await
    }

    /// The port of a cluster already serving this data directory, if any. Removes a stale
    /// `postmaster.pid` (its process is gone, or is no longer a postgres).
    fn running_port(&self) -> Result<Option<u16>, EmbeddedError> {
        let pid_file = self.pg_data.join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return Ok(None);
        };
        let lines: Vec<&str> = text.lines().collect();
        let pid = lines.first().and_then(|l| l.trim().parse::<i32>().ok());
        let port = lines.get(3).and_then(|l| l.trim().parse::<u16>().ok());
        let alive = pid.is_some_and(|pid| {
            fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|comm| comm.trim() == "postgres")
                .unwrap_or(false)
        });
        let socket_ok = lines
            .get(4)
            .is_some_and(|l| Path::new(l.trim()) == self.socket_dir);
        match (alive, port) {
            (true, Some(port)) if socket_ok => Ok(Some(port)),
            // Never remove the lock file of a live server: a second postmaster on the same data
            // directory would corrupt it.
            (true, _) => Err(EmbeddedError::Command {
                step: "joining the running PostgreSQL".into(),
                detail: format!(
                    "a PostgreSQL server (pid {}) already runs on {} but not with this data \
                     directory's socket; stop it first",
                    pid.unwrap_or_default(),
                    self.pg_data.display()
                ),
            }),
            (false, _) => {
                tracing::warn!(file = %pid_file.display(), "removing stale postmaster.pid left by a crash");
                fs::remove_file(&pid_file).map_err(io_err(&pid_file))?;
                Ok(None)
            }
        }
    }

    async fn pg_start(&self, opts: &EmbeddedOptions) -> Result<(), EmbeddedError> {
        let log = self.pg_data.join("server.log");
        let mut server_opts = format!(
            // The log names each line's role and database, so one tenant database's (or one
            // test's) lines can be told apart.
            "-k '{}' -p {} -c listen_addresses=127.0.0.1 -c max_connections={} -c unix_socket_permissions=0700 -c log_line_prefix='%m [%p] %q%u@%d '",
            self.socket_dir.display(),
            self.port,
            opts.max_connections
        );
        if opts.unsafe_no_fsync {
            server_opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let args = [
            "start".to_owned(),
            "-D".into(),
            self.pg_data.display().to_string(),
            "-l".into(),
            log.display().to_string(),
            "-w".into(),
            "-t".into(),
            "60".into(),
            "-o".into(),
            server_opts,
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(err) = self.pg_ctl(&args, "starting PostgreSQL").await {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(EmbeddedError::Command {
                step: "starting PostgreSQL".into(),
                detail: format!("{err}; server log: {}", tail.join(" | ")),
            });
        }
        tracing::info!(port = self.port, socket = %self.socket_dir.display(), "embedded PostgreSQL started");
        Ok(())
    }

    async fn pg_ctl(&self, args: &[&str], step: &str) -> Result<(), EmbeddedError> {
        let mut cmd = Command::new(&self.bins.pg_ctl);
        cmd.args(args);
        self.run(cmd, step).await
    }

    async fn run(&self, mut cmd: Command, step: &str) -> Result<(), EmbeddedError> {
        if let Some(ra) = self.run_as {
            cmd.uid(ra.uid.as_raw()).gid(ra.gid.as_raw());
        }
        // The server must not inherit our stdout: a piped stdout would keep a test harness
        // waiting for EOF long after we are gone.
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd.current_dir(&self.data_dir);
        cmd.env("LC_ALL", "C");
        let out = cmd.output().await.map_err(|e| EmbeddedError::Command {
            step: step.into(),
            detail: e.to_string(),
        })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(EmbeddedError::Command {
                step: step.into(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    fn chown(&self, path: &Path) -> Result<(), EmbeddedError> {
        if let Some(ra) = self.run_as {
            std::os::unix::fs::chown(path, Some(ra.uid.as_raw()), Some(ra.gid.as_raw()))
                .map_err(io_err(path))?;
        }
        Ok(())
    }
}

fn absolute(dir: &Path) -> Result<PathBuf, EmbeddedError> {
    std::path::absolute(dir).map_err(io_err(dir))
}

/// Creates the data directory and proves it is writable by writing a file in it.
fn prepare_dir(dir: &Path) -> Result<(), EmbeddedError> {
    let not_writable = |e: std::io::Error| EmbeddedError::NotWritable {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    };
    fs::create_dir_all(dir).map_err(not_writable)?;
    let probe = dir.join(".write-test");
    fs::write(&probe, b"ok").map_err(not_writable)?;
    fs::remove_file(&probe).map_err(not_writable)?;
    Ok(())
}

/// How many ports a start tries before giving up (see [`EmbeddedCluster::start`]).
const PORT_ATTEMPTS: u32 = 5;

fn free_port() -> Result<u16, EmbeddedError> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| EmbeddedError::Command {
            step: "finding a free port".into(),
            detail: e.to_string(),
        })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| EmbeddedError::Command {
            step: "finding a free port".into(),
            detail: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::EmbeddedError;

    #[test]
    fn a_start_refused_for_its_port_is_told_apart() {
        let taken = EmbeddedError::Command {
            step: "starting PostgreSQL".into(),
            detail: "pg_ctl: could not start server; server log: LOG:  could not bind IPv4 \
                     address \"127.0.0.1\": Address already in use | FATAL:  could not create any TCP/IP sockets"
                .into(),
        };
        assert!(taken.is_port_taken());
        let other = EmbeddedError::Command {
            step: "starting PostgreSQL".into(),
            detail: "FATAL:  data directory has wrong ownership".into(),
        };
        assert!(!other.is_port_taken());
        let elsewhere = EmbeddedError::Command {
            step: "initdb".into(),
            detail: "Address already in use".into(),
        };
        assert!(!elsewhere.is_port_taken());
    }
}
