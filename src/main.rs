use std::process::ExitCode;

fn main() -> ExitCode {
    let args = std::env::args_os().collect::<Vec<_>>();
    match portnix::try_with_big_stack(move || portnix::cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            portnix::stdio::write_err(&format!(
                "error: cannot start the evaluator's thread with its {} MiB stack: {e}\n  = hint: an address space limit (ulimit -v) must leave room for it\n",
                portnix::eval::STACK_SIZE >> 20
            ));
            ExitCode::from(2)
        }
    }
}

// The evaluator allocates many small objects; mimalloc is markedly faster at that than glibc's
// malloc (docs/BENCHMARKS.md has the numbers).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
