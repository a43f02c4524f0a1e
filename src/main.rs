use std::process::ExitCode;

fn main() -> ExitCode {
    let args = std::env::args_os().collect::<Vec<_>>();
    portnix::with_big_stack(move || portnix::cli::run(args))
}
