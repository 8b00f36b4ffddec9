//! `comply360 registry-sim`: the local registry simulator, until Ctrl-C. Point a deployment
//! at it with `COMPLY360_REGISTRY_GATEWAY_URL=http://127.0.0.1:8790`.

use crate::cli::RegistrySimArgs;
use comply360_integrations::registry::{SimulatorConfig, serve};
use std::process::ExitCode;

pub async fn run(args: RegistrySimArgs) -> anyhow::Result<ExitCode> {
    let config = SimulatorConfig {
        listen: args.listen,
        answer_after: args.answer_after,
        seed_names: args.seed,
    };
    println!(
        "registry simulator listening on http://{} (answers after {:?})",
        args.listen, args.answer_after
    );
    serve(config, super::shutdown_signal())
        .await
        .map_err(|e| anyhow::anyhow!("the registry simulator stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
