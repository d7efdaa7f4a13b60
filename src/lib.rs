//! `cpis`: a command-line client for the NHS Child Protection – Information Sharing service.
//!
//! The binary (`src/main.rs`) is a thin shell around this library: it parses the command line
//! with [`cli`], which runs a command of `commands` and maps any [`error::Error`] to an exit
//! code.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub(crate) mod credentials;
pub(crate) mod doctor;
pub mod env;
pub mod error;
pub mod net;
pub(crate) mod paste;
pub(crate) mod private;
pub(crate) mod render;
pub mod secret;
pub(crate) mod store;
pub(crate) mod ui;

// The shared core and the sandbox are crates of their own (crates/); their modules are part of
// this library as they are of the tool.
pub use cpis_core::{nhs_number, sanitize, timeutil};
pub use cpis_sandbox as sandbox;

/// The name and version sent as `User-Agent` and shown by `--version`.
pub const USER_AGENT: &str = concat!("cpis/", env!("CARGO_PKG_VERSION"));
