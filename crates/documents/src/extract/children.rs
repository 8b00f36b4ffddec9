//! The child processes (poppler's tools and Tesseract): at most `max_processes` at once in
//! the whole process, each fed its input on stdin and read on stdout, killed when its time is
//! up or when the caller gives up.
//!
//! Pipes rather than files, because the input is often a client's ID copy and its plaintext
//! must not land on shared disk: every tool used here reads stdin (`-` for poppler, `stdin`
//! for Tesseract) and writes stdout, so no temporary file is ever written.

use super::ExtractError;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::{Semaphore, SemaphorePermit};

/// The programs run, with the Debian package that installs each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Program {
    PdfInfo,
    PdfToText,
    PdfToPpm,
    Tesseract,
}

impl Program {
    pub(super) fn name(self) -> &'static str {
        match self {
            Program::PdfInfo => "pdfinfo",
            Program::PdfToText => "pdftotext",
            Program::PdfToPpm => "pdftoppm",
            Program::Tesseract => "tesseract",
        }
    }

    fn package(self) -> &'static str {
        match self {
            Program::Tesseract => "tesseract-ocr",
            _ => "poppler-utils",
        }
    }
}

/// What a finished child said.
pub(super) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    /// The last lines of stderr, short enough for an error message. Poppler and Tesseract
    /// write diagnostics there (syntax errors, unreadable images), never the document's text.
    pub fn complaint(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut message = lines[lines.len().saturating_sub(3)..].join("; ");
        if message.len() > 300 {
            let cut = (0..=300)
                .rev()
                .find(|&i| message.is_char_boundary(i))
                .unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        if message.is_empty() {
            message = format!("exited with {}", self.status);
        }
        message
    }
}

/// The bound on children and the counters benchmarks and metrics read.
pub(super) struct Children {
    permits: Semaphore,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Children {
    pub fn new(max: usize) -> Children {
        Children {
            permits: Semaphore::new(max.max(1)),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// A slot for CPU work done in this process rather than in a child (decoding an image for
    /// a preview), so that it too counts against the machine's cores.
    pub async fn slot(&self) -> Result<SemaphorePermit<'_>, ExtractError> {
        self.permits
            .acquire()
            .await
            .map_err(|_| ExtractError::Failed {
                program: "extractor",
                message: "shut down".into(),
            })
    }

    /// Runs `program args` with `input` on stdin, after waiting for a slot. `limit` counts from
    /// the start of the child, not from the wait, so a queue of pages under load does not
    /// time out. `page` (1-based) only names the page in a timeout.
    pub async fn run(
        &self,
        program: Program,
        args: &[&str],
        input: &[u8],
        limit: Duration,
        page: Option<u32>,
    ) -> Result<Finished, ExtractError> {
        let _slot = self.slot().await?;
        let mut command = Command::new(program.name());
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // If this future is dropped (the job is cancelled), the child goes with it.
            .kill_on_drop(true);
        if program == Program::Tesseract {
            // Tesseract's OpenMP threads fight each other when pages run in parallel
            // (tesseract issue #2611: 15.2 s instead of 3.1 s); parallelism here is one
            // process per page instead.
            command.env("OMP_THREAD_LIMIT", "1");
        }
        // Counted from before the spawn until after the child is dropped (and so killed).
        let _running = Running::start(self);
        let mut child = command.spawn().map_err(|e| not_started(program, &e))?;

        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let work = async {
            // Fed, drained and awaited together: a child blocked writing a full stdout pipe
            // would otherwise never finish reading its stdin.
            let feed = async {
                if let Some(mut stdin) = stdin {
                    match stdin.write_all(input).await {
                        // A tool may stop reading once it has seen enough (or given up); its
                        // exit status says which.
                        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e),
                        _ => {}
                    }
                }
                Ok(())
            };
            let (fed, stdout, stderr, status) =
                tokio::join!(feed, drain(stdout), drain(stderr), child.wait());
            fed?;
            Ok::<_, std::io::Error>(Finished {
                status: status?,
                stdout: stdout?,
                stderr: stderr?,
            })
        };
        let outcome = tokio::time::timeout(limit, work).await;
        match outcome {
            Ok(finished) => finished.map_err(|e| failed(program, &e)),
            Err(_) => {
                // Killed and reaped before the slot is released, so the bound holds even
                // for children that overran.
                let _ = child.kill().await;
                Err(ExtractError::Timeout {
                    program: program.name(),
                    page,
                    after: limit,
                })
            }
        }
    }
}

async fn drain(pipe: Option<impl AsyncRead + Unpin>) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut out).await?;
    }
    Ok(out)
}

/// A program that is not on `PATH` is an installation problem: named, with its package.
fn not_started(program: Program, e: &std::io::Error) -> ExtractError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ExtractError::Missing {
            program: program.name(),
            package: program.package(),
        },
        _ => failed(program, e),
    }
}

fn failed(program: Program, e: &std::io::Error) -> ExtractError {
    ExtractError::Failed {
        program: program.name(),
        message: e.to_string(),
    }
}

/// Counts a child as running for as long as it lives, and records the high-water mark.
struct Running<'a>(&'a Children);

impl<'a> Running<'a> {
    fn start(children: &'a Children) -> Running<'a> {
        let now = children.running.fetch_add(1, Ordering::SeqCst) + 1;
        children.peak.fetch_max(now, Ordering::SeqCst);
        Running(children)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_its_package() {
        let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = not_started(Program::Tesseract, &gone);
        assert_eq!(
            err.to_string(),
            "`tesseract` is not installed (Debian package tesseract-ocr)"
        );
        let err = not_started(Program::PdfToPpm, &gone);
        assert!(err.to_string().contains("poppler-utils"), "{err}");
    }

    #[test]
    fn complaints_are_the_last_lines_trimmed() {
        let finished = Finished {
            status: ExitStatus::default(),
            stdout: Vec::new(),
            stderr: b"one\n\ntwo\nthree\n  four  \n".to_vec(),
        };
        assert_eq!(finished.complaint(), "two; three; four");
    }
}
