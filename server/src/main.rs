//! The `preflight` binary: parses the command line and hands over to the CLI or the server.

fn main() {
    std::process::exit(preflight::cli::main());
}
