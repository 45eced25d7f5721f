fn main() {
    std::process::exit(cymig::cli::main());
}
