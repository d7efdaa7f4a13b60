use clap::Parser;

fn main() {
    // Before any thread starts: take SSL_CERT_FILE/SSL_CERT_DIR so they add to the platform's
    // roots instead of replacing them.
    let env_ca_files = cpis::http::take_env_ca_files();
    let cli = cpis::cli::Cli::parse();
    std::process::exit(cpis::commands::run(cli, env_ca_files));
}
