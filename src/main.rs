//! The `assetgraph` binary: everything lives in the library; this only hands over to the CLI.

/// Stack per runtime thread: the embedded store evaluates queries on it, deeply in debug builds.
const STACK: usize = 8 << 20;

fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(STACK)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(assetgraph::cli::run())
}
