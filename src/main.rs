//! The `assetgraph` binary: everything lives in the library; this only hands over to the CLI.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    assetgraph::cli::run().await
}
