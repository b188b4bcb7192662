fn main() {
    std::process::exit(packagento::cli::run(std::env::args_os()));
}
