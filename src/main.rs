use clap::Parser;

fn main() {
    let cli = cpis::cli::Cli::parse();
    std::process::exit(cpis::cli::run(cli));
}
