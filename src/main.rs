use std::process::ExitCode;

fn main() -> ExitCode {
    let args = std::env::args_os().collect::<Vec<_>>();
    portnix::with_big_stack(move || portnix::cli::run(args))
}

// The evaluator allocates many small objects; mimalloc is markedly faster at that than glibc's
// malloc (docs/BENCHMARKS.md has the numbers).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
