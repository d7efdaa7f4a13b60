//! Durable local state in SQLite: a batch run's progress (and, with alerts, the outbox).
//! Each store is one file, mode 0600, created through [`crate::private`].

pub mod batch;
pub mod outbox;
