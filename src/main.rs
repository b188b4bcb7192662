// glibc's allocator keeps the memory of large short-lived buffers (argon2's 19 MiB, gzip state)
// fragmented between long-lived metadata bodies; mimalloc, told to hand freed memory back at
// once, keeps the server's footprint flat and is faster on the request path as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Positions in mimalloc's `mi_option_e` (mimalloc.h); the crate does not name them.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // SAFETY: plain option setters of the allocator, called before any thread is spawned.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
    std::process::exit(packagento::cli::run(std::env::args_os()));
}
