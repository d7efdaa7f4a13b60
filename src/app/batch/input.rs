//! What `cpis batch` reads: the input spooled once ([`Spool`]), its data rows one at a time
//! ([`RowReader`]: plain lines or CSV with a header), and what to do with each row, decided
//! before any request ([`plan_row`]).

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;

/// One data row of the input: where it was, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line of the input where the row starts.
    pub line: u64,
    pub raw: String,
    /// The `dob` column of CSV input, when there is one and it is filled in.
    pub dob: Option<String>,
}

/// What to do with a row, decided before any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Query(NhsNumber),
    Invalid(String),
    /// The line of the first row with the same number.
    Duplicate(NhsNumber, u64),
}

/// The data rows of `input`: plain (one number per line) or CSV with a header and `column`.
pub fn read_rows(input: &[u8], column: Option<&str>) -> Result<Vec<Row>> {
    let mut reader = RowReader::new(input, column)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    Ok(rows)
}

/// The data rows of an input, read one at a time (the input is never held whole): plain (one
/// number per line; blank lines and `#` comments skipped) or CSV with a header and a column.
/// A UTF-8 byte-order mark is skipped.
pub struct RowReader<R: BufRead> {
    inner: Rows<R>,
}

enum Rows<R: BufRead> {
    Plain {
        input: R,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        rdr: csv::Reader<LineEnds<R>>,
        idx: usize,
        dob_idx: Option<usize>,
        record: csv::StringRecord,
        /// Line endings before the newest record.
        lines: u64,
    },
}

/// A reader that notes where its line endings are (runs of `\r` and `\n`, with the number of
/// `\n` in each), so that a CSV record's byte offset gives its line; the runs of the records
/// already read are dropped, so what is kept is bounded by the CSV reader's look-ahead.
struct LineEnds<R> {
    input: R,
    offset: u64,
    /// (start, end, `\n` count) of each run of line-ending bytes not yet passed.
    runs: std::collections::VecDeque<(u64, u64, u64)>,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if !matches!(b, b'\r' | b'\n') {
                continue;
            }
            let at = self.offset + i as u64;
            let lf = u64::from(*b == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.1 == at => {
                    run.1 += 1;
                    run.2 += lf;
                }
                _ => self.runs.push_back((at, at + 1, lf)),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R: Read> LineEnds<R> {
    /// The line endings before a record starting at byte `at`: the offset may point at the
    /// end of the line before (a record never starts with a line ending, so a run of them it
    /// points into is stepped over), and records come in order, so every run starting at or
    /// before `at` is passed for good.
    fn pass(&mut self, at: u64) -> u64 {
        let mut lf = 0;
        while let Some(run) = self.runs.front() {
            if run.0 > at {
                break;
            }
            lf += run.2;
            self.runs.pop_front();
        }
        lf
    }
}

impl<R: BufRead> RowReader<R> {
    pub fn new(mut input: R, column: Option<&str>) -> Result<Self> {
        let read_error = |e: std::io::Error| Error::usage(format!("cannot read the input: {e}"));
        if input
            .fill_buf()
            .map_err(read_error)?
            .starts_with(b"\xEF\xBB\xBF")
        {
            input.consume(3);
        }
        let Some(name) = column else {
            return Ok(RowReader {
                inner: Rows::Plain {
                    input,
                    line: 0,
                    buf: Vec::new(),
                },
            });
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(LineEnds {
                input,
                offset: 0,
                runs: Default::default(),
            });
        let headers = rdr
            .headers()
            .map_err(|e| Error::usage(format!("cannot read the CSV header: {e}")))?
            .clone();
        let idx = headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "no column {:?} in the CSV header (columns: {})",
                    crate::sanitize::sanitize(name),
                    crate::sanitize::sanitize(&headers.iter().collect::<Vec<_>>().join(", "))
                ))
            })?;
        // An optional date-of-birth column, matched against PDS like `lookup --dob`.
        let dob_idx = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case("dob"));
        Ok(RowReader {
            inner: Rows::Csv {
                rdr,
                idx,
                dob_idx,
                record: csv::StringRecord::new(),
                lines: 0,
            },
        })
    }

    /// The next data row, or `None` at the end of the input.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        match &mut self.inner {
            Rows::Plain { input, line, buf } => loop {
                buf.clear();
                let n = input
                    .read_until(b'\n', buf)
                    .map_err(|e| Error::usage(format!("cannot read the input: {e}")))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let text = String::from_utf8_lossy(buf);
                let t = text.trim();
                if !t.is_empty() && !t.starts_with('#') {
                    return Ok(Some(Row {
                        line: *line,
                        raw: t.to_string(),
                        dob: None,
                    }));
                }
            },
            Rows::Csv {
                rdr,
                idx,
                dob_idx,
                record,
                lines,
            } => loop {
                let more = rdr
                    .read_record(record)
                    .map_err(|e| Error::usage(format!("cannot read the CSV: {e}")))?;
                if !more {
                    return Ok(None);
                }
                // The 1-based line where the record starts, counted from its byte offset
                // (the reader's own line count depends on the line endings).
                if let Some(p) = record.position() {
                    *lines += rdr.get_mut().pass(p.byte());
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                return Ok(Some(Row {
                    line: 1 + *lines,
                    raw: record.get(*idx).unwrap_or("").trim().to_string(),
                    dob: dob_idx
                        .and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                }));
            },
        }
    }
}

/// What to do with `row`: `first` gives the line of the first row with its number (this
/// row's own line when it is the first), for a valid row.
pub fn plan_row(row: &Row, first: impl FnOnce(NhsNumber, u64) -> Result<u64>) -> Result<Plan> {
    Ok(match NhsNumber::parse(&row.raw) {
        Err(e) => Plan::Invalid(e.to_string()),
        Ok(_)
            if row
                .dob
                .as_deref()
                .is_some_and(|d| crate::app::input::parse_dob(Some(d)).is_err()) =>
        {
            Plan::Invalid(format!(
                "the dob column holds \"{}\", not a date (YYYY-MM-DD)",
                crate::sanitize::echo(row.dob.as_deref().unwrap_or(""))
            ))
        }
        Ok(n) => match first(n, row.line)? {
            line if line == row.line => Plan::Query(n),
            line => Plan::Duplicate(n, line),
        },
    })
}

/// Validate every row and mark repeats of a number already seen.
pub fn plan_rows(rows: &[Row]) -> Vec<Plan> {
    let mut first: HashMap<NhsNumber, u64> = HashMap::new();
    rows.iter()
        .map(|r| {
            plan_row(r, |n, line| Ok(*first.entry(n).or_insert(line))).expect("a map never fails")
        })
        .collect()
}

/// The input, copied as it is read into an unnamed temporary file (private to the process,
/// gone when it ends), with its SHA-256: every pass over the rows reads the same bytes, and
/// the input is never held in memory.
pub(crate) struct Spool {
    file: std::fs::File,
    pub(crate) hash: String,
}

impl Spool {
    pub(crate) fn read(path: &Path) -> Result<Spool> {
        use sha2::Digest;
        let stdin = path.as_os_str() == "-";
        let cannot = |e: std::io::Error| {
            if stdin {
                Error::usage(format!("cannot read standard input: {e}"))
            } else {
                Error::usage(format!("cannot read {}: {e}", path.display()))
            }
        };
        let mut source: Box<dyn Read> = if stdin {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).map_err(cannot)?)
        };
        let mut file = tempfile::tempfile()
            .map_err(|e| Error::unexpected(format!("cannot make a temporary file: {e}")))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(cannot(e)),
            };
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])
                .map_err(|e| Error::unexpected(format!("cannot write a temporary file: {e}")))?;
        }
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        Ok(Spool { file, hash })
    }

    /// The rows, from the start.
    pub(crate) fn rows(
        &self,
        column: Option<&str>,
    ) -> Result<RowReader<std::io::BufReader<std::fs::File>>> {
        use std::io::{Seek, SeekFrom};
        let f = self
            .file
            .try_clone()
            .and_then(|mut f| f.seek(SeekFrom::Start(0)).map(|_| f))
            .map_err(|e| Error::unexpected(format!("cannot read a temporary file: {e}")))?;
        RowReader::new(std::io::BufReader::with_capacity(64 * 1024, f), column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_skip_blanks_and_comments_and_keep_line_numbers() {
        let rows = read_rows(
            b"\xEF\xBB\xBF9990000018\r\n\r\n# note\r\n 999-000-0077 \r\nabc\n",
            None,
        )
        .unwrap();
        let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.raw.as_str())).collect();
        assert_eq!(
            got,
            vec![(1, "9990000018"), (4, "999-000-0077"), (5, "abc")]
        );
    }

    #[test]
    fn csv_column_with_quotes_bom_and_crlf() {
        let input =
            b"\xEF\xBB\xBFname,nhs_number\r\n\"Smith, Jo\",\"999 000 0018\"\r\n\"multi\nline\",9990000077\r\n";
        let rows = read_rows(input, Some("nhs_number")).unwrap();
        let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.raw.as_str())).collect();
        assert_eq!(got, vec![(2, "999 000 0018"), (3, "9990000077")]);
        let e = read_rows(input, Some("nhs")).unwrap_err();
        assert!(e.message.contains("name, nhs_number"), "{}", e.message);
    }

    #[test]
    fn csv_lines_are_the_same_with_lf_and_crlf() {
        for input in [
            &b"nhs_number,dob\n9990000077,\n9990000026,2019-07-03\n"[..],
            &b"nhs_number,dob\r\n9990000077,\r\n9990000026,2019-07-03\r\n"[..],
        ] {
            let rows = read_rows(input, Some("nhs_number")).unwrap();
            let got: Vec<(u64, Option<&str>)> =
                rows.iter().map(|r| (r.line, r.dob.as_deref())).collect();
            assert_eq!(got, vec![(2, None), (3, Some("2019-07-03"))]);
        }
    }

    #[test]
    fn duplicates_name_their_first_row() {
        let rows = read_rows(b"9990000018\n12\n999 000 0018\n", None).unwrap();
        let plans = plan_rows(&rows);
        assert!(matches!(plans[0], Plan::Query(_)));
        assert!(matches!(plans[1], Plan::Invalid(_)));
        assert!(matches!(plans[2], Plan::Duplicate(_, 1)));
    }
}
