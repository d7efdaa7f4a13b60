//! The NHS API platform client.

pub mod pacer;

pub use pacer::Pacer;
