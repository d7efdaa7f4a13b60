//! Where a batch's records go: a new private file, one being resumed (appended to), or what
//! the command gives for standard output; as JSON Lines or CSV; as they arrive or in input
//! order ([`Writer`]).

use std::io::Write;
use std::path::Path;

use super::record::{CsvRow, Record, Summary, CSV_COLUMNS};
use super::Format;
use crate::error::{Error, Result};

/// One record ready to be written, in the output's format ([`Writer::entry`]).
pub(super) enum Entry {
    /// The JSON line (without its newline).
    Json(String),
    Csv(CsvRow),
}

/// Records on their way to the output: written as they arrive, or with `--keep-order` in
/// input order (each row's slot filled by its record, or by nothing when it has none to
/// write), holding back only the records behind a row still in flight.
pub(super) struct Writer {
    sink: Sink,
    keep_order: bool,
    /// The next row index to write, and the finished rows waiting behind it.
    next: usize,
    waiting: std::collections::BTreeMap<usize, Option<Entry>>,
}

impl Writer {
    pub(super) fn new(sink: Sink, keep_order: bool) -> Writer {
        Writer {
            sink,
            keep_order,
            next: 0,
            waiting: Default::default(),
        }
    }

    pub(super) fn put(&mut self, index: usize, record: Option<Entry>) -> Result<()> {
        if !self.keep_order {
            return match record {
                Some(v) => self.sink.result(&v),
                None => Ok(()),
            };
        }
        self.waiting.insert(index, record);
        while let Some(record) = self.waiting.remove(&self.next) {
            if let Some(v) = record {
                self.sink.result(&v)?;
            }
            self.next += 1;
        }
        Ok(())
    }

    /// `record`, whose JSON line is `json`, as this output writes it: only the format it
    /// writes is made.
    pub(super) fn entry(&self, json: String, record: &Record) -> Entry {
        match self.sink {
            Sink::Jsonl(_) => Entry::Json(json),
            Sink::Csv(_) => Entry::Csv(CsvRow::of(record)),
        }
    }

    /// A record kept as JSON in the run's state; `None` when it cannot be read (as JSON, or
    /// for its CSV columns), whichever the format.
    pub(super) fn stored(&self, record: &str) -> Option<Entry> {
        let json = serde_json::from_str::<serde_json::Value>(record).ok()?;
        let csv = CsvRow::of_stored(record).ok()?;
        Some(match self.sink {
            Sink::Jsonl(_) => Entry::Json(json.to_string()),
            Sink::Csv(_) => Entry::Csv(csv),
        })
    }

    /// Records held back (with `--keep-order`).
    pub(super) fn held(&self) -> usize {
        self.waiting.len()
    }

    /// Write whatever is held back, in order, leaving out rows that never finished.
    pub(super) fn flush(&mut self) -> Result<()> {
        for (_, record) in std::mem::take(&mut self.waiting) {
            if let Some(v) = record {
                self.sink.result(&v)?;
            }
        }
        Ok(())
    }

    /// The summary, last.
    pub(super) fn summary(mut self, summary: &Summary) -> Result<()> {
        self.sink.summary(summary)
    }
}

/// Where records go, in the chosen format.
pub(super) enum Sink {
    Jsonl(Box<dyn Write + Send>),
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
}

impl Sink {
    /// `append`: the file exists and already has its header. Without a path, `stdout`.
    pub(super) fn open(
        path: Option<&Path>,
        stdout: Box<dyn Write + Send>,
        format: Format,
        append: bool,
    ) -> Result<Self> {
        // Buffered, and flushed after every record: one write a record, where JSON's
        // Display would make one per token (191 a row, measured with strace -c).
        let w: Box<dyn Write + Send> = match path {
            None => Box::new(std::io::BufWriter::new(stdout)),
            Some(p) if append => Box::new(std::io::BufWriter::new(open_append(p)?)),
            Some(p) => Box::new(std::io::BufWriter::new(create_private_new(p)?)),
        };
        Ok(match format {
            Format::Jsonl => Sink::Jsonl(w),
            Format::Csv => {
                let mut c = csv::Writer::from_writer(w);
                if !append {
                    c.write_record(CSV_COLUMNS).map_err(write_error)?;
                }
                c.flush().map_err(write_error)?;
                Sink::Csv(Box::new(c))
            }
        })
    }

    fn result(&mut self, v: &Entry) -> Result<()> {
        match (self, v) {
            (Sink::Jsonl(w), Entry::Json(json)) => writeln!(w, "{json}")
                .and_then(|_| w.flush())
                .map_err(write_error),
            (Sink::Csv(c), Entry::Csv(row)) => {
                c.write_record(row.0.iter().map(|v| crate::sanitize::csv_cell(v)))
                    .map_err(write_error)?;
                c.flush().map_err(write_error)
            }
            // Entries are made by the writer for its own sink (Writer::entry, ::stored).
            _ => Err(Error::unexpected("a batch record in the wrong format")),
        }
    }

    fn summary(&mut self, v: &Summary) -> Result<()> {
        match self {
            Sink::Jsonl(w) => writeln!(w, "{}", v.to_json()?)
                .and_then(|_| w.flush())
                .map_err(write_error),
            // CSV has one row per input row only; the summary goes to stderr.
            Sink::Csv(c) => c.flush().map_err(write_error),
        }
    }
}

fn write_error(e: impl std::fmt::Display) -> Error {
    Error::unexpected(format!("cannot write the output: {e}"))
}

/// A new file, 0600, never an existing one and never through a link (O_CREAT|O_EXCL).
pub(super) fn create_private_new(path: &Path) -> Result<std::fs::File> {
    crate::private::create_new_private(path).map_err(|e| {
        let err = Error::usage(format!("cannot create {}: {e}", path.display()));
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            err.with_hint("batch writes a new file and never replaces one; a run is resumed with its state (--state, default the output + .state): choose another --output or move the old one away")
        } else {
            err
        }
    })
}

/// An existing output file to append to, never through a link.
pub(super) fn open_append(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let f = o
        .open(path)
        .map_err(|e| Error::usage(format!("cannot append to {}: {e}", path.display())))?;
    // The file opened (not through a link) is one of ours.
    let meta = f
        .metadata()
        .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", path.display())))?;
    crate::private::check_private_file(path, "output", &meta)?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keep_order_holds_records_until_the_rows_before_them_are_written() {
        let written = Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = Writer::new(Sink::Jsonl(Box::new(Shared(written.clone()))), true);
        let lines = |w: &Arc<std::sync::Mutex<Vec<u8>>>| -> Vec<u64> {
            String::from_utf8(w.lock().unwrap().clone())
                .unwrap()
                .lines()
                .filter_map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).unwrap()["line"].as_u64()
                })
                .collect()
        };
        let entry = |line: u64| {
            let r = Record::new(
                line,
                "9990000018".into(),
                super::super::record::Status::NoPlan,
            );
            Some(Entry::Json(r.to_json().unwrap().to_string()))
        };
        w.put(2, entry(3)).unwrap();
        w.put(1, None).unwrap();
        assert!(lines(&written).is_empty());
        assert_eq!(w.held(), 2);
        w.put(0, entry(1)).unwrap();
        assert_eq!(lines(&written), vec![1, 3]);
        assert_eq!(w.held(), 0);
        // Interrupted: what is held is written in order, gaps left out.
        w.put(5, entry(6)).unwrap();
        w.put(4, entry(5)).unwrap();
        let summary = Summary {
            kind: "summary",
            rows: 6,
            already_done: 0,
            requests: 0,
            requests_per_number: 0.0,
            rate_limited: 0,
            pds_requests: 0,
            pds_rate_limited: 0,
            verified_on_pds: false,
            route: "fhir".into(),
            environment: "local".into(),
            base_url: String::new(),
            wall_time_ms: 0,
            achieved_rate: 0.0,
            totals: Default::default(),
            this_run: Default::default(),
            seconds: 0.0,
        };
        w.flush().unwrap();
        w.summary(&summary).unwrap();
        assert_eq!(lines(&written), vec![1, 3, 5, 6]);
    }
}
