//! The `rehearse` binary: parse arguments, run, print the error chain, set
//! the exit code. Everything else lives in the library and in `cli/`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // ONNX Runtime (the natural voice) sends usage telemetry over the network
    // unless this is set before it loads; nothing may leave the machine.
    // SAFETY: the first thing the process does, before any other thread exists.
    unsafe {
        std::env::set_var(rehearse::speech::piper::NO_TELEMETRY, "1");
    }
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(cli::exit_code(&err))
        }
    }
}
