//! The language server: transport setup here, handlers in [`server`], open documents in [`store`],
//! protocol conversions in [`convert`].

mod convert;
mod server;
mod store;
pub mod transport;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp_server::{LspService, Server};

/// Serves the protocol over stdin/stdout until `exit`; returns the process exit code
/// (0 when `shutdown` came before `exit`, 1 otherwise, as the specification asks).
pub fn run_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return 1;
        }
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    let flag = shutdown.clone();
    runtime.block_on(async move {
        let pipes = transport::start(transport::stdin(), transport::stdout());
        let (service, socket) = LspService::new(move |client| server::Backend::new(client, flag));
        Server::new(pipes.input, pipes.output, socket)
            .serve(service)
            .await;
        // Let the last responses reach stdout before the process ends.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), pipes.flushed).await;
    });
    // Analyses still running in the background must not keep the process alive after `exit`.
    runtime.shutdown_background();
    if shutdown.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}
