// mimalloc instead of glibc's malloc: the parser allocates many small short-lived objects on
// several threads, and glibc's per-thread arenas grow by an mprotect system call at a time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cymig::cli::main());
}
