//! The output formats the commands offer (`--format`), named for clap.

use clap::ValueEnum;

/// `lookup` and `sandbox patients`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people
    Table,
    /// One JSON document
    Json,
    /// Comma-separated values with a header row
    Csv,
}

/// Commands whose data is a list or a report: a table, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people
    Table,
    /// JSON for scripts
    Json,
}
