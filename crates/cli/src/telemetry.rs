//! One subscriber: filter from `RUST_LOG` (default `info`), text or JSON lines on stderr.
//! Never log secrets, tokens, passwords, ID numbers or emails; log ids.

use tracing_subscriber::EnvFilter;

/// The server logs at `info` (an access line per request included); a benchmark too, but not
/// its thousands of requests; one-shot commands default to `warn` so their output is what the
/// person asked for (and job and circuit warnings stay quiet there: a command that runs jobs,
/// like `notify test`, reports their outcome itself).
pub const SERVER: &str = "info,sqlx=warn";
pub const BENCH: &str = "info,sqlx=warn,comply360::access=warn";
pub const ONE_SHOT: &str = "warn,sqlx=error,comply360_jobs=error,comply360_integrations=error";

pub fn init(json: bool, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}
