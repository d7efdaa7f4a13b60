//! Running the parsed command line: the context is built, the command dispatched (with
//! Ctrl-C handled as each command needs), and any error mapped to its exit code.

use crate::app::Ctx;
use crate::commands::{self, formats::ListFormat};
use crate::error::{Error, Kind, Result};

use super::docs;
use super::{Cli, Command, SandboxCommand};

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    crate::ui::guard_standard_streams();
    crate::ui::set_command(command_name(&cli.command));
    match run_inner(cli) {
        Ok(()) => 0,
        // Whoever read the output has gone (`| head -1`): not an error.
        Err(_) if crate::ui::stdout_gone() => 0,
        Err(e) => {
            crate::ui::message(&e);
            e.exit_code()
        }
    }
}

/// The command's name as typed (`lookup`), for errors about its output.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Lookup(_) => "lookup",
        Command::Batch(_) => "batch",
        Command::Auth(_) => "auth",
        Command::Doctor { .. } => "doctor",
        Command::Alert(_) => "alert",
        Command::Sandbox(_) => "sandbox",
        Command::Config(_) => "config",
        Command::Completions { .. } => "completions",
        Command::Man { .. } => "man",
    }
}

fn run_inner(cli: Cli) -> Result<()> {
    let env = |k: &str| std::env::var_os(k);
    let is_config = matches!(cli.command, Command::Config(_));
    let settings = crate::config::resolve(&cli.global.overrides(), &env, is_config)?;
    crate::paste::set_globals(settings.global_options());
    // Warnings are said even with --quiet: each is about where requests go.
    for w in &settings.warnings {
        crate::ui::warning(&w.to_string());
    }
    let ctx = Ctx { settings };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::unexpected(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        match cli.command {
            // The server's normal way to stop is a signal, which it handles itself.
            Command::Sandbox(SandboxCommand::Serve(args)) => {
                commands::sandbox::serve(&ctx, args).await
            }
            // A batch handles Ctrl-C itself: requests in flight finish and are recorded.
            Command::Batch(args) => commands::batch::run(&ctx, args).await,
            // An alert handles Ctrl-C itself while a send is under way (the alert is kept as
            // pending); before that, Ctrl-C ends it as usual, prompt included.
            Command::Alert(c) => commands::alert::run(&ctx, c).await,
            command => {
                // Register for Ctrl-C before any work starts, so an early interrupt is seen.
                let interrupted = crate::app::signals::interrupt_signal()?;
                // Biased: Ctrl-C at a question is the question's to report ("cancelled").
                tokio::select! {
                    biased;
                    r = dispatch(&ctx, command) => r,
                    _ = interrupted => Err(Error::new(Kind::Interrupted, "interrupted")),
                }
            }
        }
    })
}

async fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::Lookup(args) => commands::lookup::run(ctx, args).await,
        Command::Alert(c) => commands::alert::run(ctx, c).await,
        Command::Batch(args) => commands::batch::run(ctx, args).await,
        Command::Sandbox(SandboxCommand::Patients(args)) => commands::sandbox::patients(args),
        Command::Sandbox(SandboxCommand::Serve(args)) => commands::sandbox::serve(ctx, args).await,
        Command::Config(c) => commands::config::run(ctx, c),
        Command::Auth(c) => commands::auth::run(ctx, c).await,
        Command::Doctor {
            json,
            format,
            query,
            curl,
        } => {
            let json = json || format == ListFormat::Json;
            if curl {
                commands::doctor::curl(ctx).await
            } else {
                commands::doctor::run(ctx, json, query.as_deref()).await
            }
        }
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(ctx, dir.as_deref()),
    }
}
