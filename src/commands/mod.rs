//! One module per subcommand, each with its clap arguments beside it (`mod args`), and what
//! they share (`formats`). The root command line, and running it, are `cli`'s.

pub(crate) mod alert;
pub(crate) mod auth;
pub(crate) mod batch;
pub(crate) mod config;
pub(crate) mod doctor;
pub(crate) mod formats;
pub(crate) mod lookup;
pub(crate) mod sandbox;
