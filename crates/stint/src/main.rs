//! `stint`: the binary. `stint serve` runs the server; client commands talk to a server over HTTP.

mod serve;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "stint",
    version,
    about = "Just-in-time membership and ownership of groups"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Stint server (API and scheduler) on embedded SQLite or a database URL.
    Serve(serve::ServeArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
    }
}
