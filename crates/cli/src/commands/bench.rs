pub async fn run(_a: crate::cli::BenchArgs) -> anyhow::Result<std::process::ExitCode> { Ok(std::process::ExitCode::SUCCESS) }
