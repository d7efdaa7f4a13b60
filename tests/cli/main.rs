//! The integration tests: one binary (`cargo test --test cli`), one module per area, the
//! shared support in `common`. Each test runs the real `cpis` binary against servers it
//! starts itself on ephemeral ports.

mod common;

mod alert;
mod architecture;
mod auth;
mod auth_system;
mod auth_user;
mod batch;
mod config;
mod doctor;
mod fixtures;
mod flags;
mod generated;
mod http;
mod lookup;
mod newcomer;
mod pds;
#[cfg(target_os = "linux")]
mod peak;
#[cfg(unix)]
mod private_dirs;
mod properties;
mod safety;
mod sandbox;
mod sandbox_oauth;
mod security;
mod v3;
